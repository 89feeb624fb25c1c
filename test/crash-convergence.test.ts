// Crash safety against real Radicale and Xandikos: the CLI is killed with SIGKILL after each request
// of a run, in turn, and the next runs must converge to the exact expected target, with no copy twice,
// no copy lost, and the write that reached the server but not the state database taken at its href.
//
// How a kill is done: the target is reached through a proxy (test/harness/counting-proxy.ts). When
// the server's answer to request k has arrived, and before it is relayed, the proxy SIGKILLs the CLI
// and drops the answer: the server has done request k, the client never learned of it.
//
// The runs use --concurrency 1, so that kill point k is one exact, reproducible state: the server
// has done requests 1..k, the client has seen (and recorded) the answers of 1..k-1 only. With 4 writes
// in flight the point a kill lands on would depend on timing, and a failure could not be named.
//
// Each kill point has its own target calendar, state database and proxy, so points are independent;
// a few run side by side (KILL_POINTS_AT_ONCE) to keep the runtime down.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SERVER_KINDS, startServer, type CaldavServer } from './harness/caldav-servers.ts';
import { startCountingProxy, type CountingProxy, type ProxiedAnswer } from './harness/counting-proxy.ts';
import { describeCopies } from './harness/describe-copies.ts';
import { FOREIGN_OBJECT } from './harness/fixture-copies.ts';
import { runCli, startCli, summaryCounts, type CliResult, type StartedCli } from './harness/run-cli.ts';
import { BERLIN_VTIMEZONE } from './harness/vtimezones.ts';

const FOREIGN_ICS = readFileSync(new URL('./fixtures/caldav/foreign.ics', import.meta.url), 'utf8');
const FOREIGN = FOREIGN_OBJECT;
const WINDOW = ['--from', '2026-10-01', '--to', '2026-11-01'];
/** Kill points run side by side (each with its own calendar, database and proxy). */
const KILL_POINTS_AT_ONCE = 3;

const BERLIN = BERLIN_VTIMEZONE;
const calendar = (...events: string[][]) =>
  ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//crash//EN', ...BERLIN, ...events.flatMap((e) => ['BEGIN:VEVENT', 'DTSTAMP:20260901T000000Z', ...e, 'END:VEVENT']), 'END:VCALENDAR', ''].join('\r\n');

/** The source of phase A: 13 instances in the window 2026-10-01 .. 2026-11-01. */
const SOURCE_V1 = calendar(
  // Mondays Oct 5, 12, 19, 26; summer time ends Oct 25, so 07:30Z then 08:30Z.
  ['UID:standup@crash', 'DTSTART;TZID=Europe/Berlin:20261005T093000', 'DTEND;TZID=Europe/Berlin:20261005T094500', 'RRULE:FREQ=WEEKLY;COUNT=4', 'SUMMARY:Stand-up'],
  // Thursdays Oct 1, 8, 15, 22, 29.
  ['UID:planning@crash', 'DTSTART:20261001T100000Z', 'DTEND:20261001T110000Z', 'RRULE:FREQ=WEEKLY;COUNT=5', 'SUMMARY:Planning'],
  ['UID:review@crash', 'DTSTART:20261027T160000Z', 'DURATION:PT1H', 'RRULE:FREQ=DAILY;COUNT=2', 'SUMMARY:Daily review'],
  ['UID:holiday@crash', 'DTSTART;VALUE=DATE:20261015', 'DTEND;VALUE=DATE:20261017', 'SUMMARY:Company holiday'],
  ['UID:call@crash', 'DTSTART:20261020T140000Z', 'DTEND:20261020T150000Z', 'SUMMARY:Call with vendor'],
);

/**
 * The source of phase B: the Oct 19 stand-up moved to Oct 20 by an override, an EXDATE on the Oct 15
 * planning, the review deleted, the holiday renamed, the call moved a day, one event added. That is
 * 1 create, 3 updates and 3 deletes on the target: 3 of 13 copies, under the default deletion guard
 * (MAX_DELETE_PERCENT=25), which is left as a user has it.
 */
const SOURCE_V2 = calendar(
  ['UID:standup@crash', 'DTSTART;TZID=Europe/Berlin:20261005T093000', 'DTEND;TZID=Europe/Berlin:20261005T094500', 'RRULE:FREQ=WEEKLY;COUNT=4', 'SUMMARY:Stand-up'],
  ['UID:standup@crash', 'RECURRENCE-ID;TZID=Europe/Berlin:20261019T093000', 'DTSTART;TZID=Europe/Berlin:20261020T093000', 'DTEND;TZID=Europe/Berlin:20261020T094500', 'SUMMARY:Stand-up (moved)'],
  ['UID:planning@crash', 'DTSTART:20261001T100000Z', 'DTEND:20261001T110000Z', 'RRULE:FREQ=WEEKLY;COUNT=5', 'EXDATE:20261015T100000Z', 'SUMMARY:Planning'],
  ['UID:holiday@crash', 'DTSTART;VALUE=DATE:20261015', 'DTEND;VALUE=DATE:20261017', 'SUMMARY:Company holiday (office closed)'],
  ['UID:call@crash', 'DTSTART:20261021T140000Z', 'DTEND:20261021T150000Z', 'SUMMARY:Call with vendor'],
  ['UID:new@crash', 'DTSTART:20261030T100000Z', 'DTEND:20261030T110000Z', 'SUMMARY:Added later'],
);

/** Written by hand from SOURCE_V1 and RFC 5545: the target after phase A. */
const AFTER_A = [
  'call@crash | Call with vendor | 20261020T140000Z | 20261020T150000Z',
  'holiday@crash | Company holiday | 20261015 | 20261017',
  'planning@crash 20261001T100000Z | Planning | 20261001T100000Z | 20261001T110000Z',
  'planning@crash 20261008T100000Z | Planning | 20261008T100000Z | 20261008T110000Z',
  'planning@crash 20261015T100000Z | Planning | 20261015T100000Z | 20261015T110000Z',
  'planning@crash 20261022T100000Z | Planning | 20261022T100000Z | 20261022T110000Z',
  'planning@crash 20261029T100000Z | Planning | 20261029T100000Z | 20261029T110000Z',
  'review@crash 20261027T160000Z | Daily review | 20261027T160000Z | DURATION PT1H',
  'review@crash 20261028T160000Z | Daily review | 20261028T160000Z | DURATION PT1H',
  'standup@crash 20261005T073000Z | Stand-up | 20261005T093000[Europe/Berlin] | 20261005T094500[Europe/Berlin]',
  'standup@crash 20261012T073000Z | Stand-up | 20261012T093000[Europe/Berlin] | 20261012T094500[Europe/Berlin]',
  'standup@crash 20261019T073000Z | Stand-up | 20261019T093000[Europe/Berlin] | 20261019T094500[Europe/Berlin]',
  'standup@crash 20261026T083000Z | Stand-up | 20261026T093000[Europe/Berlin] | 20261026T094500[Europe/Berlin]',
  FOREIGN,
].sort();

/** Written by hand from SOURCE_V2: the target after phase B (11 copies and the foreign object). */
const AFTER_B = [
  'call@crash | Call with vendor | 20261021T140000Z | 20261021T150000Z',
  'holiday@crash | Company holiday (office closed) | 20261015 | 20261017',
  'new@crash | Added later | 20261030T100000Z | 20261030T110000Z',
  'planning@crash 20261001T100000Z | Planning | 20261001T100000Z | 20261001T110000Z',
  'planning@crash 20261008T100000Z | Planning | 20261008T100000Z | 20261008T110000Z',
  'planning@crash 20261022T100000Z | Planning | 20261022T100000Z | 20261022T110000Z',
  'planning@crash 20261029T100000Z | Planning | 20261029T100000Z | 20261029T110000Z',
  'standup@crash 20261005T073000Z | Stand-up | 20261005T093000[Europe/Berlin] | 20261005T094500[Europe/Berlin]',
  'standup@crash 20261012T073000Z | Stand-up | 20261012T093000[Europe/Berlin] | 20261012T094500[Europe/Berlin]',
  'standup@crash 20261019T073000Z | Stand-up (moved) | 20261020T093000[Europe/Berlin] | 20261020T094500[Europe/Berlin]',
  'standup@crash 20261026T083000Z | Stand-up | 20261026T093000[Europe/Berlin] | 20261026T094500[Europe/Berlin]',
  FOREIGN,
].sort();
const COPIES_AFTER_B = 11;

type Phase = 'A' | 'B';
const SOURCE: Record<Phase, string> = { A: SOURCE_V1, B: SOURCE_V2 };

/** What a request was, without the calendar's own path: "PUT create", "PUT if-match", "DELETE if-match", "REPORT". */
function kindOf(answer: ProxiedAnswer): string {
  if (answer.headers['if-none-match'] === '*') return `${answer.method} create`;
  if (answer.headers['if-match'] !== undefined) return `${answer.method} if-match`;
  return answer.method;
}

/** Marker pairs (source UID + recurrence id) found at more than one href, read from the raw objects. */
function duplicates(objects: Array<{ href: string; data: string }>): string[] {
  const hrefsByKey = new Map<string, string[]>();
  for (const { href, data } of objects) {
    const unfolded = data.replace(/\r?\n[ \t]/g, '');
    const source = /^X-CALSYNC-SOURCE-UID[;:](?:.*:)?(.*?)\r?$/m.exec(unfolded)?.[1];
    if (source === undefined) continue;
    const recurrence = /^X-CALSYNC-RECURRENCE-ID[;:](?:.*:)?(.*?)\r?$/m.exec(unfolded)?.[1] ?? '';
    const key = `${source} ${recurrence}`.trim();
    hrefsByKey.set(key, [...(hrefsByKey.get(key) ?? []), href]);
  }
  return [...hrefsByKey].filter(([, hrefs]) => hrefs.length > 1).map(([key, hrefs]) => `${key} at ${hrefs.join(', ')}`);
}

const ok = (run: CliResult, what: string) => assert.equal(run.code, 0, `${what} exited ${run.code}\n${run.stdout}${run.stderr}`);

for (const kind of SERVER_KINDS) {
  describe(`crash convergence on ${kind}`, () => {
    let server: CaldavServer;
    let work: string;
    /** The requests of an uninterrupted run of each phase, as the proxy saw them. */
    const plan: Record<Phase, ProxiedAnswer[]> = { A: [], B: [] };

    before(async () => {
      work = mkdtempSync(join(tmpdir(), 'calsync-crash-'));
      server = await startServer(kind);
    });
    after(async () => {
      await server?.stop();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    /** A fresh pair: its own target calendar (holding one foreign object), state database, source file and proxy. */
    async function newPair(slug: string) {
      const collectionUrl = await server.createCalendar(slug, `Crash ${slug}`);
      await server.putObject(collectionUrl, 'foreign.ics', FOREIGN_ICS);
      const [foreign] = await server.listObjects(collectionUrl);
      const dir = join(work, slug);
      mkdirSync(dir);
      const proxy: CountingProxy = await startCountingProxy(server.baseUrl);
      const args = [
        '--source', join(dir, 'source.ics'),
        '--target', new URL(new URL(collectionUrl).pathname, proxy.url).href, '--target-username', server.username,
        ...WINDOW, '--db', join(dir, 'sync.db'), '--concurrency', '1',
      ];
      const options = { env: { TARGET_PASSWORD: server.password } };
      const objects = () => server.listObjects(collectionUrl);
      return {
        proxy,
        objects,
        /** One whole run of a phase; the requests the proxy saw, in order. */
        async sync(phase: Phase) {
          writeFileSync(join(dir, 'source.ics'), SOURCE[phase]);
          const seen: ProxiedAnswer[] = [];
          proxy.reset();
          proxy.onAnswer = (answer) => void seen.push(answer);
          const run = await runCli(args, options);
          proxy.onAnswer = undefined;
          return { run, seen, counts: proxy.counts() };
        },
        /** A run of a phase killed when the server has answered request k, before the CLI sees the answer. */
        async killedAt(phase: Phase, k: number): Promise<ProxiedAnswer> {
          writeFileSync(join(dir, 'source.ics'), SOURCE[phase]);
          let started: StartedCli | undefined;
          let killed: ProxiedAnswer | undefined;
          proxy.reset();
          proxy.onAnswer = async (answer) => {
            if (answer.index < k) return;
            if (answer.index === k) {
              killed = answer;
              started!.child.kill('SIGKILL');
              await started!.done;
            }
            return 'drop';
          };
          started = startCli(args, options);
          const run = await started.done;
          proxy.onAnswer = undefined;
          assert.equal(run.signal, 'SIGKILL', `phase ${phase}: the run was to be killed at request ${k}, but it ended by itself (exit ${run.code})\n${run.stdout}${run.stderr}`);
          return killed!;
        },
        /** The exact target, no copy twice, the foreign object untouched. */
        async assertTarget(expected: string[], what: string) {
          const now = await objects();
          assert.deepEqual(duplicates(now), [], `${what}: copies present twice`);
          assert.deepEqual(describeCopies(now), expected, `${what}: the target`);
          assert.deepEqual(now.find((o) => o.href === foreign.href), foreign, `${what}: the foreign object changed`);
        },
        /** One more run writes nothing and finds every copy as it should be. */
        async assertQuiet(what: string) {
          const { run, counts } = await this.sync('B');
          ok(run, `${what}: the run after`);
          assert.deepEqual(summaryCounts(run.stdout), { created: 0, updated: 0, deleted: 0, unchanged: COPIES_AFTER_B, retired: 0, skipped: 0, failed: 0 }, `${what}: one more run\n${run.stdout}`);
          // Only reads went to the server (so the target is as it was checked before this run).
          assert.deepEqual(Object.keys(counts).filter((method) => method !== 'REPORT' && method !== 'PROPFIND'), [], `${what}: one more run wrote (${JSON.stringify(counts)})`);
        },
        close: () => proxy.close(),
      };
    }

    /** Lines of a run's output that take a copy found on the target with no state (relinked when it is exact, else adopted). */
    const adoptions = (stdout: string) => stdout.split('\n').filter((line) => /^\S+ (relink|adopt) /.test(line));

    test('uninterrupted, phase A writes the first sync and phase B its creates, updates and deletes (the requests to kill at)', async () => {
      const pair = await newPair('whole');
      try {
        const a = await pair.sync('A');
        ok(a.run, 'phase A');
        assert.deepEqual(summaryCounts(a.run.stdout), { created: 13, updated: 0, deleted: 0, unchanged: 0, retired: 0, skipped: 0, failed: 0 });
        assert.equal(a.seen.filter((r) => kindOf(r) === 'PUT create').length, 13);
        await pair.assertTarget(AFTER_A, 'after phase A');
        const b = await pair.sync('B');
        ok(b.run, 'phase B');
        assert.deepEqual(summaryCounts(b.run.stdout), { created: 1, updated: 3, deleted: 3, unchanged: 7, retired: 0, skipped: 0, failed: 0 });
        assert.deepEqual(['PUT create', 'PUT if-match', 'DELETE if-match'].map((k) => b.seen.filter((r) => kindOf(r) === k).length), [1, 3, 3]);
        await pair.assertTarget(AFTER_B, 'after phase B');
        await pair.assertQuiet('uninterrupted');
        plan.A = a.seen;
        plan.B = b.seen;
        // Every request of both phases is a kill point: at least 20 of them.
        assert.ok(plan.A.length + plan.B.length >= 20, `only ${plan.A.length} + ${plan.B.length} kill points`);
      } finally {
        await pair.close();
      }
    });

    test('SIGKILL after any request of the first sync (phase A): the rerun takes the copy the server got, creates only the rest, and phase B then converges', { concurrency: KILL_POINTS_AT_ONCE }, async (t) => {
      assert.ok(plan.A.length > 0, 'the uninterrupted run found no requests');
      const creates = plan.A.filter((r) => kindOf(r) === 'PUT create').length;
      await Promise.all(plan.A.map((planned, i) => {
        const k = i + 1;
        return t.test(`killed at request ${k} of ${plan.A.length} (${kindOf(planned)})`, async () => {
          const pair = await newPair(`a${k}`);
          try {
            const killed = await pair.killedAt('A', k);
            assert.equal(kindOf(killed), kindOf(planned), `request ${k} is not the one the uninterrupted run made`);
            const done = plan.A.slice(0, k).filter((r) => kindOf(r) === 'PUT create').length;

            const rerun = await pair.sync('A');
            ok(rerun.run, 'the rerun of phase A');
            const counts = summaryCounts(rerun.run.stdout);
            // Copies the server got are never made again; those it did not get are made once.
            assert.equal(counts.created, creates - done, `created by the rerun\n${rerun.run.stdout}`);
            assert.deepEqual([counts.deleted, counts.skipped, counts.failed], [0, 0, 0], rerun.run.stdout);
            // The PUT whose answer was lost reached the server: its copy is taken at its deterministic href
            // (relinked without a write, since it is exactly what the rerun would write).
            const adopted = adoptions(rerun.run.stdout);
            if (kindOf(killed) === 'PUT create') {
              assert.equal(adopted.length, 1, `adoptions by the rerun\n${rerun.run.stdout}`);
              assert.match(adopted[0], /^\S+ relink /, 'the copy the server got is exact: no write');
              assert.ok(adopted[0].includes(`-> ${killed.path} `), `adopted ${adopted[0]}, not the copy written at ${killed.path}`);
            } else {
              assert.deepEqual(adopted, [], 'no write was in flight, yet the rerun adopted');
            }
            await pair.assertTarget(AFTER_A, 'after the rerun of phase A');

            const b = await pair.sync('B');
            ok(b.run, 'phase B');
            assert.deepEqual(summaryCounts(b.run.stdout), { created: 1, updated: 3, deleted: 3, unchanged: 7, retired: 0, skipped: 0, failed: 0 }, b.run.stdout);
            await pair.assertTarget(AFTER_B, 'after phase B');
            await pair.assertQuiet(`killed at A${k}`);
          } finally {
            await pair.close();
          }
        });
      }));
    });

    test('SIGKILL after any request of a sync with creates, updates and deletes (phase B): the rerun converges to the exact target', { concurrency: KILL_POINTS_AT_ONCE }, async (t) => {
      assert.ok(plan.B.length > 0, 'the uninterrupted run found no requests');
      await Promise.all(plan.B.map((planned, i) => {
        const k = i + 1;
        return t.test(`killed at request ${k} of ${plan.B.length} (${kindOf(planned)})`, async () => {
          const pair = await newPair(`b${k}`);
          try {
            const a = await pair.sync('A');
            ok(a.run, 'phase A');
            assert.deepEqual(summaryCounts(a.run.stdout), { created: 13, updated: 0, deleted: 0, unchanged: 0, retired: 0, skipped: 0, failed: 0 }, a.run.stdout);
            const killed = await pair.killedAt('B', k);
            assert.equal(kindOf(killed), kindOf(planned), `request ${k} is not the one the uninterrupted run made`);

            const rerun = await pair.sync('B');
            ok(rerun.run, 'the rerun of phase B');
            const counts = summaryCounts(rerun.run.stdout);
            // Writes the server got are not made again (a copy created twice, a delete sent twice); the rest are made once.
            const left = (request: string) => plan.B.slice(k).filter((r) => kindOf(r) === request).length;
            assert.deepEqual(
              { created: counts.created, deleted: counts.deleted, skipped: counts.skipped, failed: counts.failed },
              { created: left('PUT create'), deleted: left('DELETE if-match'), skipped: 0, failed: 0 },
              rerun.run.stdout,
            );
            const adopted = adoptions(rerun.run.stdout);
            if (kindOf(killed) === 'PUT create') {
              assert.equal(adopted.length, 1, `adoptions by the rerun\n${rerun.run.stdout}`);
              assert.match(adopted[0], /^\S+ relink /, 'the copy the server got is exact: no write');
              assert.ok(adopted[0].includes(`-> ${killed.path} `), `adopted ${adopted[0]}, not the copy written at ${killed.path}`);
            }
            await pair.assertTarget(AFTER_B, 'after the rerun of phase B');
            await pair.assertQuiet(`killed at B${k}`);
          } finally {
            await pair.close();
          }
        });
      }));
    });
  });
}
