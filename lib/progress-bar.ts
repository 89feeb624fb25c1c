// The progress bar of a run on a terminal: the phase (fetching, planning, writing) and its counts,
// drawn on stderr with cli-progress. Log lines go around it: the bar is cleared before a line and
// drawn again below it, so the two never share a line.
import cliProgress from 'cli-progress';

export interface ProgressCount {
  /** "fetching source", "planning", "writing". */
  phase: string;
  done: number;
  /** null while nobody knows how many there will be. */
  total: number | null;
  /** What is counted: "objects", "occurrences", "actions". */
  unit: string;
  failed?: number;
}

interface Payload {
  phase: string;
  known: boolean;
  unit: string;
  failed: number;
}

function format(options: cliProgress.Options, params: cliProgress.Params, payload: Payload): string {
  const count = payload.known ? `${params.value}/${params.total}` : `${params.value}`;
  const bar = payload.known ? `[${cliProgress.Format.BarFormat(params.progress, options)}] ` : '';
  const failed = payload.failed > 0 ? `, ${payload.failed} failed` : '';
  return `${bar}${payload.phase}: ${count} ${payload.unit}${failed}`;
}

export class ProgressBar {
  // Stopped and started again around each log line: cli-progress puts the cursor back where the
  // bar started when it stops, which is only the bar's own line if nothing was printed since.
  private readonly bar = new cliProgress.SingleBar({ stream: process.stderr, format, barsize: 30, clearOnComplete: true, hideCursor: false });
  private shown: ProgressCount | null = null;

  show(count: ProgressCount): void {
    const payload: Payload = { phase: count.phase, known: count.total !== null, unit: count.unit, failed: count.failed ?? 0 };
    const total = count.total ?? 0;
    if (this.shown?.phase !== count.phase) {
      this.end();
      this.bar.start(total, count.done, payload);
    } else {
      this.bar.setTotal(total);
      this.bar.update(count.done, payload);
    }
    this.shown = count;
  }

  /** `write` prints a line with the bar out of the way. */
  around(write: () => void): void {
    const shown = this.shown;
    this.end();
    write();
    if (shown) this.show(shown);
  }

  /** The bar gone from the terminal: before the summary, and at the end of a run. */
  end(): void {
    if (this.shown === null) return;
    this.bar.stop();
    this.shown = null;
  }
}
