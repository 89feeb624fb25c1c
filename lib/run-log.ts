// What a run tells, one line per notable event: as text for people and the journal, or with
// --log-json as one JSON object per line for programs. Levels error < warn < info < verbose: --quiet
// keeps errors, warnings and the summary; --verbose adds each request and each copy left as it was.
// On a terminal a progress bar shows how far the run is; without one (a timer) the output is the log.
import { rfc3339 } from './instants.ts';
import { ProgressBar, type ProgressCount } from './progress-bar.ts';

export type LogLevel = 'error' | 'warn' | 'info' | 'verbose';
const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, verbose: 3 };

export interface LogSettings {
  quiet?: boolean;
  verbose?: boolean;
}

/** What a JSON line holds besides time, level, event and message; text lines show only the message. */
export type LogFields = Record<string, unknown>;

interface LineKind {
  /** The lowest level that shows the line. */
  shownAt: LogLevel;
  /** What a JSON line says, when not `shownAt`: the summary is shown at every level, but is no error. */
  level?: LogLevel;
  /** Text on stderr, after this prefix; else on stdout. */
  stderrPrefix?: string;
  /** Text without the time: errors were always printed so, and journald adds the time anyway. */
  untimed?: boolean;
}

const LINES = {
  info: { shownAt: 'info' },
  detail: { shownAt: 'verbose' },
  // An action that failed stays on stdout among the other actions.
  failure: { shownAt: 'error' },
  warning: { shownAt: 'warn', stderrPrefix: 'warning: ' },
  error: { shownAt: 'error', stderrPrefix: 'error: ', untimed: true },
  summary: { shownAt: 'error', level: 'info' },
} satisfies Record<string, LineKind>;

export class RunLog {
  private level: LogLevel = 'info';
  private bar: ProgressBar | null = null;

  /**
   * `json` is known before the command line is parsed, so that a usage error is a JSON line too.
   * Text keeps warnings and errors on stderr and the rest on stdout; JSON puts every line on stdout,
   * so that a program reads one stream, in order.
   */
  constructor(private readonly json: boolean) {}

  /** The progress bar only where someone watches: stderr a terminal, and neither --log-json nor --quiet. */
  configure(settings: LogSettings, terminal = process.stderr.isTTY === true): void {
    this.level = settings.quiet ? 'warn' : settings.verbose ? 'verbose' : 'info';
    this.bar = terminal && !this.json && !settings.quiet ? new ProgressBar() : null;
  }

  info(event: string, message: string, fields: LogFields = {}): void {
    this.write(LINES.info, event, message, fields);
  }

  detail(event: string, message: string, fields: LogFields = {}): void {
    this.write(LINES.detail, event, message, fields);
  }

  /** An action that failed: shown even with --quiet. */
  failure(event: string, message: string, fields: LogFields = {}): void {
    this.write(LINES.failure, event, message, fields);
  }

  warn(message: string, fields: LogFields = {}): void {
    this.write(LINES.warning, 'warning', message, fields);
  }

  error(message: string, fields: LogFields = {}): void {
    this.write(LINES.error, 'error', message, fields);
  }

  /** The closing line, at every level, with the progress bar gone first. */
  summary(message: string, fields: LogFields): void {
    this.end();
    this.write(LINES.summary, 'summary', message, fields);
  }

  progress(count: ProgressCount): void {
    this.bar?.show(count);
  }

  /** The progress bar cleared from the terminal: before the summary, and when a run ends in any way. */
  end(): void {
    this.bar?.end();
  }

  private write(kind: LineKind, event: string, message: string, fields: LogFields): void {
    if (RANK[kind.shownAt] > RANK[this.level]) return;
    const time = rfc3339(Date.now());
    const print = () => {
      if (this.json) console.log(JSON.stringify({ time, level: kind.level ?? kind.shownAt, event, message, ...fields }));
      else if (kind.stderrPrefix !== undefined) console.error(`${kind.untimed ? '' : `${time} `}${kind.stderrPrefix}${message}`);
      else console.log(`${time} ${message}`);
    };
    if (this.bar) this.bar.around(print);
    else print();
  }
}
