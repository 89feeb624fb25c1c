// Chaos: a fifth of all requests, to the source and to the target, fail at random (connections
// dropped before the server saw the request or after it did it, 429, 502, 503, 504), drawn from a
// seed so that a failing case can be replayed. Repeated runs must converge to the exact expected
// target, with no copy twice and none lost, and each run that could not finish must exit non-zero
// and say what failed.
//
// RETRY_ATTEMPTS=2 makes a request give up after one retry, so runs do fail and the runs after
// them have to finish the work (with 4 attempts nearly every run would come through whole).
// --concurrency 1 keeps the order of requests, and so which ones the seed fails, the same every time.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SERVER_KINDS, startServer, type CaldavServer } from './harness/caldav-servers.ts';
import { describeCopies } from './harness/describe-copies.ts';
import { startFaultProxy } from './harness/fault-proxy.ts';
import { runCli, summaryCounts, type CliResult } from './harness/run-cli.ts';

const SEEDS = [1, 2, 3, 4];
const FAILING_SHARE = 0.2;
/** Runs a phase may take to converge. */
const MAX_RUNS = 10;
const WINDOW = ['--from', '2026-10-01', '--to', '2026-11-01'];

const object = (...lines: string[]) => ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//chaos//EN', 'BEGIN:VEVENT', 'DTSTAMP:20260901T000000Z', ...lines, 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');

/** The source of phase A, one object per file name: 9 copies in the window. */
const SOURCE_A: Record<string, string> = {
  'standup.ics': object('UID:standup@chaos', 'DTSTART:20261005T090000Z', 'DTEND:20261005T091500Z', 'RRULE:FREQ=WEEKLY;COUNT=4', 'SUMMARY:Stand-up'),
  'planning.ics': object('UID:planning@chaos', 'DTSTART:20261001T100000Z', 'DTEND:20261001T110000Z', 'RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=2', 'SUMMARY:Planning'),
  'call.ics': object('UID:call@chaos', 'DTSTART:20261020T140000Z', 'DTEND:20261020T150000Z', 'SUMMARY:Call'),
  'holiday.ics': object('UID:holiday@chaos', 'DTSTART;VALUE=DATE:20261015', 'DTEND;VALUE=DATE:20261017', 'SUMMARY:Holiday'),
  'review.ics': object('UID:review@chaos', 'DTSTART:20261027T160000Z', 'DURATION:PT1H', 'SUMMARY:Review'),
};
/** Phase B: the call moved and renamed, the holiday deleted, a trip added: 1 update, 1 delete, 1 create. */
const SOURCE_B_CHANGES: Record<string, string | null> = {
  'call.ics': object('UID:call@chaos', 'DTSTART:20261021T140000Z', 'DTEND:20261021T150000Z', 'SUMMARY:Call (moved)'),
  'holiday.ics': null,
  'trip.ics': object('UID:trip@chaos', 'DTSTART;VALUE=DATE:20261023', 'DTEND;VALUE=DATE:20261024', 'SUMMARY:Trip'),
};

const STANDUPS_AND_PLANNING = [
  'planning@chaos 20261001T100000Z | Planning | 20261001T100000Z | 20261001T110000Z',
  'planning@chaos 20261015T100000Z | Planning | 20261015T100000Z | 20261015T110000Z',
  'review@chaos | Review | 20261027T160000Z | DURATION PT1H',
  'standup@chaos 20261005T090000Z | Stand-up | 20261005T090000Z | 20261005T091500Z',
  'standup@chaos 20261012T090000Z | Stand-up | 20261012T090000Z | 20261012T091500Z',
  'standup@chaos 20261019T090000Z | Stand-up | 20261019T090000Z | 20261019T091500Z',
  'standup@chaos 20261026T090000Z | Stand-up | 20261026T090000Z | 20261026T091500Z',
];
/** Written by hand from SOURCE_A. */
const TARGET_A = ['call@chaos | Call | 20261020T140000Z | 20261020T150000Z', 'holiday@chaos | Holiday | 20261015 | 20261017', ...STANDUPS_AND_PLANNING].sort();
/** Written by hand from SOURCE_A with SOURCE_B_CHANGES. */
const TARGET_B = ['call@chaos | Call (moved) | 20261021T140000Z | 20261021T150000Z', 'trip@chaos | Trip | 20261023 | 20261024', ...STANDUPS_AND_PLANNING].sort();

/** A run that could not finish says so: exit 1 with each failure named and the summary, or exit 5 with one error line. */
function assertSaysWhatFailed(run: CliResult, what: string): void {
  const output = `${what} exited ${run.code}\n${run.stdout}${run.stderr}`;
  if (run.code === 1) {
    const counts = summaryCounts(run.stdout);
    assert.ok(counts.failed > 0, output);
    const failed = run.stdout.split('\n').filter((line) => /^\S+ FAILED /.test(line));
    assert.equal(failed.length, counts.failed, output);
    for (const line of failed) assert.match(line, /: (the target server \S+ answered HTTP (429|502|503|504)|cannot reach the target server \S+: )/, output);
  } else {
    assert.equal(run.code, 5, output);
    assert.match(run.stderr, /^error: (the (source|target) server \S+ answered HTTP (429|502|503|504)|cannot reach the (source|target) server \S+: )[^\n]*\n$/, output);
  }
}

for (const kind of SERVER_KINDS) {
  describe(`chaos on ${kind}: ${FAILING_SHARE * 100}% of requests fail at random`, () => {
    let server: CaldavServer;
    let work: string;

    before(async () => {
      work = mkdtempSync(join(tmpdir(), 'calsync-chaos-'));
      server = await startServer(kind);
    });
    after(async () => {
      await server?.stop();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    for (const seed of SEEDS) {
      test(`seed ${seed}: repeated runs converge to the exact target, every run that could not finish exits non-zero saying what failed`, async (t) => {
        const sourceUrl = await server.createCalendar(`source${seed}`, `Source ${seed}`);
        const targetUrl = await server.createCalendar(`target${seed}`, `Target ${seed}`);
        for (const [name, ics] of Object.entries(SOURCE_A)) await server.putObject(sourceUrl, name, ics);
        const proxy = await startFaultProxy(server.baseUrl);
        const via = (url: string) => new URL(new URL(url).pathname, proxy.url).href;
        const args = ['--source', via(sourceUrl), '--source-username', server.username, '--target', via(targetUrl), '--target-username', server.username, ...WINDOW, '--db', join(work, `sync-${seed}.db`), '--concurrency', '1'];
        const env = { SOURCE_PASSWORD: server.password, TARGET_PASSWORD: server.password, RETRY_ATTEMPTS: '2', RETRY_MAX_DELAY_SECONDS: '0.01' };
        const unfinished: number[] = [];
        try {
          proxy.chaos(FAILING_SHARE, seed);
          /** Runs until one exits 0 (at most MAX_RUNS); the target must then be exactly `expected`. */
          const converge = async (phase: string, expected: string[]) => {
            for (let runs = 1; runs <= MAX_RUNS; runs++) {
              const run = await runCli(args, { env });
              if (run.code === 0) {
                t.diagnostic(`phase ${phase}: exit 0 at run ${runs}`);
                assert.deepEqual(describeCopies(await server.listObjects(targetUrl)), expected, `phase ${phase}: the target after run ${runs}`);
                return;
              }
              unfinished.push(run.code);
              assertSaysWhatFailed(run, `phase ${phase}, run ${runs}`);
            }
            assert.fail(`phase ${phase}: no run finished in ${MAX_RUNS}; target now: ${describeCopies(await server.listObjects(targetUrl)).join('; ')}`);
          };
          await converge('A', TARGET_A);
          for (const [name, ics] of Object.entries(SOURCE_B_CHANGES)) {
            if (ics === null) await server.deleteObject(sourceUrl, name);
            else await server.putObject(sourceUrl, name, ics);
          }
          await converge('B', TARGET_B);
          t.diagnostic(`${proxy.injected().length} faults injected; runs that could not finish exited ${unfinished.join(', ') || '(none)'}`);
          assert.ok(proxy.injected().length > 0, 'no fault was injected');

          // Without faults, one more run finds everything as it should be and writes nothing.
          proxy.chaos(0, seed);
          const quiet = await runCli(args, { env });
          assert.equal(quiet.code, 0, quiet.stdout + quiet.stderr);
          assert.deepEqual(summaryCounts(quiet.stdout), { created: 0, updated: 0, deleted: 0, unchanged: TARGET_B.length, retired: 0, skipped: 0, failed: 0 }, quiet.stdout);
          assert.deepEqual(describeCopies(await server.listObjects(targetUrl)), TARGET_B);
        } finally {
          await proxy.close();
        }
      });
    }
  });
}
