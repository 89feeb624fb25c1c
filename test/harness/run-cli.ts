// Runs sync.ts as a user would, in a child process. Asynchronous on purpose: a synchronous child
// would stop this process from draining the test servers' output pipes, and they would block.
import { execFile, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const syncScript = fileURLToPath(new URL('../../sync.ts', import.meta.url));
/** Deno comes with the devDependencies (the npm package `deno`), so it is there after `npm ci`. */
export const denoBinary = fileURLToPath(new URL('../../node_modules/.bin/deno', import.meta.url));

export type Runtime = 'node' | 'deno';

interface CliOptions {
  env?: Record<string, string>;
  cwd?: string;
  runtime?: Runtime;
}

/**
 * A child's environment: only what the test gives, so no SOURCE_ or TARGET_ setting from the developer's
 * shell leaks in; and Deno would otherwise look for a newer release of itself on the internet.
 */
export const childEnv = (extra: Record<string, string> = {}) => ({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DENO_NO_UPDATE_CHECK: '1', ...extra });

/** How each runtime runs sync.ts: Node through tsx, Deno as it is. */
function command(runtime: Runtime, args: string[]): [string, string[]] {
  return runtime === 'deno' ? [denoBinary, ['run', '-A', syncScript, ...args]] : [process.execPath, ['--import', 'tsx', syncScript, ...args]];
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).done;
}

/**
 * sync.ts with `args` (a command and its options) between two calendars of one test server, over
 * October 2026, the month of the CalDAV fixtures.
 */
export function runOnCalendars(
  calendars: { server: { username: string; password: string }; source: string; target: string; db: string },
  args: string[],
  runtime: Runtime = 'node',
): Promise<CliResult> {
  const { server, source, target, db } = calendars;
  return runCli([...args, '--source', source, '--source-username', server.username, '--target', target, '--target-username', server.username, '--from', '2026-10-01', '--to', '2026-11-01', '--db', db], {
    env: { SOURCE_PASSWORD: server.password, TARGET_PASSWORD: server.password },
    runtime,
  });
}

/** A run that may be stopped from outside: the child, and its result once it has exited. */
export interface StartedCli {
  child: ChildProcess;
  /** signal is the one that ended the run ('SIGKILL' when killed), null when it exited by itself. */
  done: Promise<CliResult & { signal: NodeJS.Signals | null }>;
}

/** Starts sync.ts like runCli, and gives the child as well (to kill it in the middle of a run). */
export function startCli(args: string[], options: CliOptions = {}): StartedCli {
  let child!: ChildProcess;
  const [file, argv] = command(options.runtime ?? 'node', args);
  const done = new Promise<CliResult & { signal: NodeJS.Signals | null }>((resolve) => {
    child = execFile(
      file,
      argv,
      { env: childEnv(options.env), cwd: options.cwd, timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr, signal: error?.signal ?? null });
      },
    );
  });
  return { child, done };
}

/** sync.ts reading `answers` as its whole input, then its end (for init, which reads answers line by line). */
export function runCliAnswering(args: string[], answers: string[], options?: Parameters<typeof startCli>[1]): Promise<CliResult> {
  const { child, done } = startCli(args, options);
  child.stdin!.end(answers.map((answer) => `${answer}\n`).join(''));
  return done;
}

/** Labels of the summary line that are not the counter's own name. */
const RENAMED: Record<string, string> = { 'deleted in the source': 'propagated', 'kept deleted': 'keptDeleted' };
const COUNTERS = new Set(['created', 'updated', 'deleted', 'unchanged', 'retired', 'skipped', 'failed', 'conflicts', 'propagated', 'keptDeleted']);

/**
 * The counts of the closing summary line, e.g. { created: 3, updated: 0, ... }; conflicts,
 * propagated and keptDeleted only when the line shows them (it does when they are not 0). A part
 * of the line this does not know is an error, never silently left out.
 */
export function summaryCounts(stdout: string): Record<string, number> {
  const line = stdout.trim().split('\n').at(-1) ?? '';
  const head = line.replace(/^\S+ (dry run, nothing written: |stopped by the deletion guard, nothing written: )?(undo of run \d+: )?/, '').split(';')[0];
  const counts: Record<string, number> = {};
  for (const part of head.split(', ')) {
    const match = /^(\d+) (.+)$/.exec(part);
    const name = match ? (RENAMED[match[2]] ?? match[2]) : '';
    if (!match || !COUNTERS.has(name)) throw new Error(`the summary line has a part the tests do not know: "${part}" in "${line}"`);
    counts[name] = Number(match[1]);
  }
  return counts;
}

/** Requests by method from the summary line, e.g. { PUT: 3, REPORT: 2 }. */
export function summaryRequests(stdout: string): Record<string, number> {
  const line = stdout.trim().split('\n').at(-1) ?? '';
  const inner = /requests \(([^)]*)\)/.exec(line)?.[1] ?? '';
  return Object.fromEntries(inner.split(', ').filter(Boolean).map((part) => {
    const [method, n] = part.split(' ');
    return [method, Number(n)];
  }));
}

const shellQuote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;

/**
 * sync.ts with a terminal for stdout and stderr, as a user at a shell has: run under `script`
 * (util-linux), which gives it a pseudo-terminal. The output is both streams as the terminal got
 * them, escape sequences and all.
 */
export function runCliOnTerminal(args: string[], options: { env?: Record<string, string> } = {}): Promise<{ code: number; output: string }> {
  const command = [process.execPath, '--import', 'tsx', syncScript, ...args].map(shellQuote).join(' ');
  return new Promise((resolve) => {
    const child = execFile(
      'script',
      ['--quiet', '--flush', '--return', '--command', command, '/dev/null'],
      { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env }, cwd: fileURLToPath(new URL('../..', import.meta.url)), timeout: 120_000 },
      (error, stdout) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: stdout }),
    );
    child.stdin?.end();
  });
}
