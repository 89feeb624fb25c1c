// What a run prints at each level (--quiet, default, --verbose), as JSON lines (--log-json), and the
// progress bar a terminal gets and a pipe never does. Folder target, no server.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, beforeEach, test } from 'node:test';
import { runCli, runCliOnTerminal } from './harness/run-cli.ts';
import { screenAfter } from './harness/terminal-screen.ts';

/** Two daily occurrences and a single event whose time zone nobody knows (a warning). */
const SOURCE = [
  'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN',
  'BEGIN:VEVENT', 'UID:daily@test', 'DTSTAMP:20260101T000000Z', 'DTSTART:20261201T090000Z', 'DTEND:20261201T091500Z', 'RRULE:FREQ=DAILY;COUNT=2', 'SUMMARY:Daily', 'END:VEVENT',
  'BEGIN:VEVENT', 'UID:lunch@test', 'DTSTAMP:20260101T000000Z', 'DTSTART;TZID=Nowhere/Atlantis:20261210T120000', 'DTEND;TZID=Nowhere/Atlantis:20261210T130000', 'SUMMARY:Lunch', 'END:VEVENT',
  'END:VCALENDAR', '',
].join('\r\n');
const WARNING = 'event lunch@test (source.ics#lunch%40test): unknown time zone "Nowhere/Atlantis": its times are read as UTC';
const WINDOW = '[window 2026-12-01T00:00:00Z .. 2027-01-01T00:00:00Z]';
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const HREF = /^calsync-[0-9a-f]{32}\.ics$/;
const SECONDS = /\d+\.\d s/;

let work: string;
let args: string[];
// One write at a time, so that the actions come in the order of the plan.
const sync = (...extra: string[]) => runCli([...args, ...extra]);

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'calsync-output-'));
  writeFileSync(join(work, 'source.ics'), SOURCE);
  args = ['--source', join(work, 'source.ics'), '--target', join(work, 'mirror'), '--db', join(work, 'sync.db'), '--from', '2026-12-01', '--to', '2027-01-01', '--concurrency', '1'];
});
after(() => rmSync(work, { recursive: true, force: true }));

/** A text line without its leading time (checked), and with the run's duration as "N s". */
function untimed(line: string): string {
  const [time, ...rest] = line.split(' ');
  assert.match(time, TIME, line);
  return rest.join(' ').replace(SECONDS, 'N s');
}

/** JSON lines with time, href and duration checked and replaced, so the rest compares exactly. */
function parsedLines(stdout: string): Array<Record<string, unknown>> {
  const lines = stdout.trimEnd().split('\n');
  return lines.map((line) => {
    const entry = JSON.parse(line) as Record<string, unknown>;
    assert.match(String(entry.time), TIME, line);
    entry.time = 'T';
    if ('targetHref' in entry) {
      assert.match(String(entry.targetHref), HREF, line);
      entry.targetHref = 'H';
    }
    if (typeof entry.message === 'string') entry.message = entry.message.replace(/calsync-[0-9a-f]{32}\.ics/, 'H').replace(SECONDS, 'N s');
    if ('durationMs' in entry) {
      assert.equal(Number.isInteger(entry.durationMs), true, line);
      entry.durationMs = 'N';
    }
    return entry;
  });
}

const createLine = (sourceUid: string, recurrenceId: string) => ({
  time: 'T', level: 'info', event: 'create',
  message: `create ${recurrenceId ? `${sourceUid} @ ${recurrenceId}` : sourceUid} -> H (new occurrence in the source)`,
  action: 'create', sourceUid, recurrenceId, targetHref: 'H', reason: 'new occurrence in the source',
});
const unchangedLine = (sourceUid: string, recurrenceId: string) => ({
  time: 'T', level: 'verbose', event: 'unchanged',
  message: `unchanged ${recurrenceId ? `${sourceUid} @ ${recurrenceId}` : sourceUid} -> H`,
  action: 'unchanged', sourceUid, recurrenceId, targetHref: 'H',
});
const counts = (created: number, unchanged: number) => ({ created, updated: 0, deleted: 0, unchanged, retired: 0, skipped: 0, failed: 0, conflicts: 0, propagated: 0, keptDeleted: 0 });
const summaryLine = (created: number, unchanged: number) => ({
  time: 'T', level: 'info', event: 'summary',
  message: `${created} created, 0 updated, 0 deleted, ${unchanged} unchanged, 0 retired, 0 skipped, 0 failed; 0 requests, 0 KiB received, N s ${WINDOW}`,
  dryRun: false, window: { start: '2026-12-01T00:00:00Z', end: '2027-01-01T00:00:00Z' },
  counts: counts(created, unchanged), requests: 0, requestsByMethod: {}, retries: 0, bytesReceived: 0, durationMs: 'N',
});
const warningLine = { time: 'T', level: 'warn', event: 'warning', message: WARNING };

test('--log-json: every line on stdout is one JSON object, in order: the warning, each create, the summary with its counts', async () => {
  const run = await sync('--log-json');
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr, '');
  assert.deepEqual(parsedLines(run.stdout), [
    warningLine,
    createLine('daily@test', '20261201T090000Z'),
    createLine('daily@test', '20261202T090000Z'),
    createLine('lunch@test', ''),
    summaryLine(3, 0),
  ]);
});

test('--log-json --verbose adds each copy left as it was, at level verbose', async () => {
  await sync();
  const run = await sync('--log-json', '--verbose');
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr, '');
  assert.deepEqual(parsedLines(run.stdout), [
    warningLine,
    unchangedLine('daily@test', '20261201T090000Z'),
    unchangedLine('daily@test', '20261202T090000Z'),
    unchangedLine('lunch@test', ''),
    summaryLine(0, 3),
  ]);
});

test('--log-json: an error is a JSON line on stdout too, with the exit code, and stderr stays empty', async () => {
  const run = await runCli(['--source', join(work, 'missing.ics'), '--target', join(work, 'mirror'), '--db', join(work, 'sync.db'), '--log-json']);
  assert.equal(run.code, 3);
  assert.equal(run.stderr, '');
  assert.deepEqual(parsedLines(run.stdout), [
    { time: 'T', level: 'error', event: 'error', message: `the source ${join(work, 'missing.ics')} is neither an http(s) URL nor an existing .ics file; check SOURCE_URL`, exitCode: 3 },
  ]);
  const usage = await runCli(['--log-json', '--bogus']);
  assert.equal(usage.code, 3);
  assert.equal(usage.stderr, '');
  assert.deepEqual(parsedLines(usage.stdout), [{ time: 'T', level: 'error', event: 'error', message: 'Unknown argument: bogus (see --help)', exitCode: 3 }]);
});

test('--json and --log-json together are refused, with one JSON error line', async () => {
  const run = await sync('--dry-run', '--json', '--log-json');
  assert.equal(run.code, 3);
  assert.deepEqual(parsedLines(run.stdout).map((line) => line.message), ['Arguments json and log-json are mutually exclusive (see --help)']);
});

test('the default level prints each write on stdout, the warning on stderr, and the summary as the last line', async () => {
  const run = await sync();
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(run.stderr.trimEnd().split('\n').map(untimed), [`warning: ${WARNING}`]);
  assert.deepEqual(run.stdout.trimEnd().split('\n').map(untimed).map((line) => line.replace(/calsync-[0-9a-f]{32}\.ics/, 'H')), [
    'create daily@test @ 20261201T090000Z -> H (new occurrence in the source)',
    'create daily@test @ 20261202T090000Z -> H (new occurrence in the source)',
    'create lunch@test -> H (new occurrence in the source)',
    `3 created, 0 updated, 0 deleted, 0 unchanged, 0 retired, 0 skipped, 0 failed; 0 requests, 0 KiB received, N s ${WINDOW}`,
  ]);
});

test('--quiet prints exactly the summary line on stdout, and the warning on stderr', async () => {
  const run = await sync('--quiet');
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(run.stderr.trimEnd().split('\n').map(untimed), [`warning: ${WARNING}`]);
  assert.deepEqual(run.stdout.trimEnd().split('\n').map(untimed), [`3 created, 0 updated, 0 deleted, 0 unchanged, 0 retired, 0 skipped, 0 failed; 0 requests, 0 KiB received, N s ${WINDOW}`]);
});

test('--quiet and --verbose together are refused', async () => {
  const run = await sync('--quiet', '--verbose');
  assert.equal(run.code, 3);
  assert.equal(run.stderr, 'error: Arguments quiet and verbose are mutually exclusive (see --help)\n');
});

test('on a terminal a progress bar shows fetching, planning and writing, and leaves the screen holding only the log', async () => {
  const piped = await sync('--dry-run');
  const run = await runCliOnTerminal([...args, '--dry-run']);
  assert.equal(run.code, 0, run.output);
  for (const phase of ['fetching source: 0 objects', 'fetching source: 2/2 objects', 'planning: 3 occurrences', 'fetching target: 0 objects']) {
    assert.equal(run.output.includes(phase), true, `"${phase}" is drawn:\n${JSON.stringify(run.output)}`);
  }
  // What stays is the log as a pipe gets it, the warning (from planning) before the plan's lines.
  const expected = [`warning: ${WARNING}`, ...piped.stdout.trimEnd().split('\n').map(untimed)];
  assert.deepEqual(screenAfter(run.output).map(untimed), expected);
});

test('the writing phase counts actions done of all, and the bar is cleared before every line and gone before the summary', async () => {
  const run = await runCliOnTerminal(args);
  assert.equal(run.code, 0, run.output);
  for (const done of [1, 2, 3]) assert.equal(run.output.includes(`writing: ${done}/3 actions`), true, `writing ${done}/3 is drawn:\n${JSON.stringify(run.output)}`);
  assert.deepEqual(screenAfter(run.output).map(untimed).map((line) => line.replace(/calsync-[0-9a-f]{32}\.ics/, 'H')), [
    `warning: ${WARNING}`,
    'create daily@test @ 20261201T090000Z -> H (new occurrence in the source)',
    'create daily@test @ 20261202T090000Z -> H (new occurrence in the source)',
    'create lunch@test -> H (new occurrence in the source)',
    `3 created, 0 updated, 0 deleted, 0 unchanged, 0 retired, 0 skipped, 0 failed; 0 requests, 0 KiB received, N s ${WINDOW}`,
  ]);
});

test('no progress bar on a terminal with --quiet or --log-json, nor ever through pipes', async () => {
  for (const flag of ['--quiet', '--log-json']) {
    const run = await runCliOnTerminal([...args, '--dry-run', flag]);
    assert.equal(run.code, 0, run.output);
    assert.equal(run.output.includes('\x1b'), false, `${flag}: ${JSON.stringify(run.output)}`);
  }
  const piped = await sync('--verbose');
  assert.equal(piped.code, 0, piped.stderr);
  assert.equal(`${piped.stdout}${piped.stderr}`.includes('\x1b'), false);
  assert.doesNotMatch(piped.stdout + piped.stderr, /fetching|planning|writing:/);
});
