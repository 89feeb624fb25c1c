// Failures that can pass, through a fault-injecting proxy in front of real Radicale and Xandikos:
// 503 and 429 with Retry-After are waited for and retried, other 4xx are not, the run's retry budget
// bounds what a failing server costs, a dropped connection or a lost answer on a write ends with the
// write done once, and whatever a run could not do it says, exits non-zero, and the next run does.
//
// Runs use --concurrency 1 so that the order of requests, and so every count, is exact. Every
// fault is injected by rule (the first N requests of a kind), never by timing.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SERVER_KINDS, startServer, type CaldavServer } from './harness/caldav-servers.ts';
import { describeCopies } from './harness/describe-copies.ts';
import { startFaultProxy, type FaultProxy } from './harness/fault-proxy.ts';
import { runCli, summaryCounts, summaryRequests } from './harness/run-cli.ts';

const WINDOW = ['--from', '2026-10-01', '--to', '2026-11-01'];

const calendar = (...events: string[][]) =>
  ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//net//EN', ...events.flatMap((e) => ['BEGIN:VEVENT', 'DTSTAMP:20260901T000000Z', ...e, 'END:VEVENT']), 'END:VCALENDAR', ''].join('\r\n');

/** 5 copies in the window: 3 stand-ups, a call, a holiday. */
const SOURCE_V1 = calendar(
  ['UID:standup@net', 'DTSTART:20261005T090000Z', 'DTEND:20261005T091500Z', 'RRULE:FREQ=WEEKLY;COUNT=3', 'SUMMARY:Stand-up'],
  ['UID:call@net', 'DTSTART:20261020T140000Z', 'DTEND:20261020T150000Z', 'SUMMARY:Call'],
  ['UID:holiday@net', 'DTSTART;VALUE=DATE:20261015', 'DTEND;VALUE=DATE:20261017', 'SUMMARY:Holiday'],
);
/** The call moved a day (1 update), the holiday gone (1 delete). */
const SOURCE_V2 = calendar(
  ['UID:standup@net', 'DTSTART:20261005T090000Z', 'DTEND:20261005T091500Z', 'RRULE:FREQ=WEEKLY;COUNT=3', 'SUMMARY:Stand-up'],
  ['UID:call@net', 'DTSTART:20261021T140000Z', 'DTEND:20261021T150000Z', 'SUMMARY:Call'],
);

const STANDUPS = [
  'standup@net 20261005T090000Z | Stand-up | 20261005T090000Z | 20261005T091500Z',
  'standup@net 20261012T090000Z | Stand-up | 20261012T090000Z | 20261012T091500Z',
  'standup@net 20261019T090000Z | Stand-up | 20261019T090000Z | 20261019T091500Z',
];
/** Written by hand from SOURCE_V1. */
const TARGET_V1 = ['call@net | Call | 20261020T140000Z | 20261020T150000Z', 'holiday@net | Holiday | 20261015 | 20261017', ...STANDUPS];
/** Written by hand from SOURCE_V2. */
const TARGET_V2 = ['call@net | Call | 20261021T140000Z | 20261021T150000Z', ...STANDUPS];

const counts = (created: number, failed: number, extra: Partial<Record<'updated' | 'deleted' | 'unchanged', number>> = {}) => ({
  created, updated: 0, deleted: 0, unchanged: 0, retired: 0, skipped: 0, failed, ...extra,
});

/** A line of a run's output without its leading time stamp. */
const lines = (output: string) => output.trim().split('\n').map((line) => line.replace(/^\S+ /, ''));

for (const kind of SERVER_KINDS) {
  describe(`network failures on ${kind}`, () => {
    let server: CaldavServer;
    let work: string;
    let slugs = 0;

    before(async () => {
      work = mkdtempSync(join(tmpdir(), 'calsync-net-'));
      server = await startServer(kind);
    });
    after(async () => {
      await server?.stop();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    /** A fresh target calendar reached through its own fault proxy, with its own state database. */
    async function newPair(env: Record<string, string> = {}) {
      const slug = `net${++slugs}`;
      const collectionUrl = await server.createCalendar(slug, `Net ${slug}`);
      const proxy: FaultProxy = await startFaultProxy(server.baseUrl);
      const dir = join(work, slug);
      mkdirSync(dir);
      const collectionPath = new URL(collectionUrl).pathname;
      const args = ['--source', join(dir, 'source.ics'), '--target', new URL(collectionPath, proxy.url).href, '--target-username', server.username, ...WINDOW, '--db', join(dir, 'sync.db'), '--concurrency', '1'];
      return {
        proxy,
        collectionPath,
        /** A run with `source`; what the proxy saw of it. */
        async sync(source: string) {
          writeFileSync(join(dir, 'source.ics'), source);
          proxy.reset();
          const run = await runCli(args, { env: { TARGET_PASSWORD: server.password, RETRY_MAX_DELAY_SECONDS: '2', ...env } });
          return { run, seen: proxy.counts(), injected: proxy.injected() };
        },
        /** The target as the server holds it, in describeCopies' form; a copy made twice would show twice. */
        target: async () => describeCopies(await server.listObjects(collectionUrl)),
        /** The next run, without faults, creates the `missing` copies, finds the rest, and the target is exactly TARGET_V1. */
        async picksUp(missing: number) {
          proxy.rules = [];
          const next = await this.sync(SOURCE_V1);
          assert.equal(next.run.code, 0, next.run.stdout + next.run.stderr);
          assert.deepEqual(summaryCounts(next.run.stdout), counts(missing, 0, { unchanged: 5 - missing }), next.run.stdout);
          assert.equal(next.seen['PUT create'], missing);
          assert.deepEqual(await this.target(), TARGET_V1);
        },
        close: () => proxy.close(),
      };
    }

    test('503 and 429 with Retry-After (seconds, HTTP date) or RateLimit-Reset are waited for and retried: every copy made once, exit 0', async () => {
      const pair = await newPair();
      try {
        pair.proxy.rules = [
          { kind: 'PUT create', times: 1, fault: { kind: 'answer', status: 503, headers: { 'retry-after': '1' } } },
          { kind: 'PUT create', times: 1, fault: { kind: 'answer', status: 429, headers: { 'retry-after': new Date(Date.now() + 1_000).toUTCString() } } },
          { kind: 'REPORT sync-collection', times: 1, fault: { kind: 'answer', status: 429, headers: { 'ratelimit-reset': '1' } } },
        ];
        const { run, seen, injected } = await pair.sync(SOURCE_V1);
        assert.equal(run.code, 0, run.stdout + run.stderr);
        assert.deepEqual(summaryCounts(run.stdout), counts(5, 0), run.stdout);
        // 1 PROPFIND finds the calendar; the listing is asked twice (429 once); 5 creates, the first
        // sent three times; one more listing after the creates.
        assert.deepEqual(seen, { PROPFIND: 1, 'REPORT sync-collection': 3, 'PUT create': 7 });
        assert.deepEqual(summaryRequests(run.stdout), { PROPFIND: 1, REPORT: 3, PUT: 7 });
        assert.equal(injected.length, 3, injected.join('\n'));
        assert.deepEqual(await pair.target(), TARGET_V1);
      } finally {
        await pair.close();
      }
    });

    test('a server asking to wait longer than RETRY_MAX_DELAY_SECONDS is not asked again this run: that copy fails with the reason, exit 1, and the next run makes it', async () => {
      const pair = await newPair();
      try {
        pair.proxy.rules = [{ kind: 'PUT create', times: 1, fault: { kind: 'answer', status: 503, headers: { 'retry-after': '120' } } }];
        const first = await pair.sync(SOURCE_V1);
        assert.equal(first.run.code, 1, first.run.stdout + first.run.stderr);
        assert.deepEqual(summaryCounts(first.run.stdout), counts(4, 1), first.run.stdout);
        assert.equal(first.seen['PUT create'], 5);
        const failed = lines(first.run.stdout).filter((line) => line.startsWith('FAILED'));
        assert.equal(failed.length, 1, first.run.stdout);
        const origin = new URL(pair.proxy.url).origin;
        assert.match(failed[0], new RegExp(`^FAILED create .*: the target server ${origin} answered HTTP 503 \\(PUT ${pair.collectionPath}\\S+\\.ics, 1 attempt; it asked to wait 120 s, longer than RETRY_MAX_DELAY_SECONDS=2\\); it is busy or down, try again later$`));

        await pair.picksUp(1);
      } finally {
        await pair.close();
      }
    });

    test('a 4xx answer other than 429 is not retried: a 400 on a write fails that copy at once, and the next run makes it', async () => {
      const pair = await newPair();
      try {
        pair.proxy.rules = [{ kind: 'PUT create', times: 1, fault: { kind: 'answer', status: 400 } }];
        const first = await pair.sync(SOURCE_V1);
        assert.equal(first.run.code, 1, first.run.stdout + first.run.stderr);
        assert.deepEqual(summaryCounts(first.run.stdout), counts(4, 1), first.run.stdout);
        assert.deepEqual(first.seen, { PROPFIND: 1, 'REPORT sync-collection': 2, 'PUT create': 5 });
        assert.match(lines(first.run.stdout).find((line) => line.startsWith('FAILED')) ?? '', /: the target rejected the object as invalid \(HTTP 400\)$/);
        await pair.picksUp(1);
      } finally {
        await pair.close();
      }
    });

    test('401 and 403 at login are not retried: one request, one line naming the server, the account and the keys to check, exit 4', async () => {
      for (const status of [401, 403]) {
        const pair = await newPair();
        try {
          pair.proxy.rules = [{ kind: 'PROPFIND', fault: { kind: 'answer', status } }];
          const { run, seen } = await pair.sync(SOURCE_V1);
          assert.equal(run.code, 4, run.stdout + run.stderr);
          assert.equal(run.stderr, `error: the target server ${new URL(pair.proxy.url).origin} refused the login of user "${server.username}" (HTTP ${status}); check TARGET_USERNAME and TARGET_PASSWORD\n`);
          assert.deepEqual(seen, { PROPFIND: 1 });
        } finally {
          await pair.close();
        }
      }
    });

    test('once the run\'s retry budget is spent nothing more is retried: each copy fails once, the run exits 1 naming the cause, and the next run makes them all', async () => {
      const pair = await newPair({ RETRY_BUDGET: '2' });
      try {
        pair.proxy.rules = [{ kind: 'PUT create', fault: { kind: 'answer', status: 503, headers: { 'retry-after': '0' } } }];
        const first = await pair.sync(SOURCE_V1);
        assert.equal(first.run.code, 1, first.run.stdout + first.run.stderr);
        assert.deepEqual(summaryCounts(first.run.stdout), counts(0, 5), first.run.stdout);
        // The first copy: sent, retried twice (the budget); the other four sent once each.
        assert.equal(first.seen['PUT create'], 3 + 4);
        const failed = lines(first.run.stdout).filter((line) => line.startsWith('FAILED'));
        assert.deepEqual(
          failed.map((line) => /\(PUT \S+, (.*)\); it is busy or down, try again later$/.exec(line)?.[1]),
          ["3 attempts; the run's retry budget (RETRY_BUDGET=2) is spent", ...Array(4).fill("1 attempt; the run's retry budget (RETRY_BUDGET=2) is spent")],
          first.run.stdout,
        );
        assert.deepEqual(await pair.target(), []);

        await pair.picksUp(5);
      } finally {
        await pair.close();
      }
    });

    test('a server that stops answering once the budget is spent is not waited for per object: the rest fail without a request, and the next run makes them', async () => {
      const pair = await newPair({ RETRY_BUDGET: '2' });
      try {
        pair.proxy.rules = [{ kind: 'PUT create', fault: { kind: 'drop-request' } }];
        const first = await pair.sync(SOURCE_V1);
        assert.equal(first.run.code, 1, first.run.stdout + first.run.stderr);
        assert.deepEqual(summaryCounts(first.run.stdout), counts(0, 5), first.run.stdout);
        // Three attempts of the first create; nothing more reaches the server, not even the closing listing.
        assert.deepEqual(first.seen, { PROPFIND: 1, 'REPORT sync-collection': 1, 'PUT create': 3 });
        const failed = lines(first.run.stdout).filter((line) => line.startsWith('FAILED'));
        assert.equal(failed.length, 5, first.run.stdout);
        assert.match(failed[1], /: cannot reach the target server \S+: socket hang up after the run's retries were spent; PUT \S+ was not sent$/);
        assert.match(first.run.stderr, /warning: could not renew the target's change mark after writing/);

        await pair.picksUp(5);
      } finally {
        await pair.close();
      }
    });

    test('a listing that keeps failing is tried RETRY_ATTEMPTS times, then ends the run with one line and exit 5, writing nothing; the next run picks up', async () => {
      const pair = await newPair();
      try {
        pair.proxy.rules = [{ kind: 'REPORT sync-collection', fault: { kind: 'answer', status: 503, headers: { 'retry-after': '0' } } }];
        const first = await pair.sync(SOURCE_V1);
        assert.equal(first.run.code, 5, first.run.stdout + first.run.stderr);
        assert.deepEqual(first.seen, { PROPFIND: 1, 'REPORT sync-collection': 4 });
        assert.equal(first.run.stderr, `error: the target server ${new URL(pair.proxy.url).origin} answered HTTP 503 (REPORT ${pair.collectionPath}, 4 attempts); it is busy or down, try again later\n`);
        await pair.picksUp(5);
      } finally {
        await pair.close();
      }
    });

    test('a connection dropped before the server saw a write, or after it did it (the answer lost): the write sent again ends right, once, with no failure', async () => {
      const pair = await newPair();
      try {
        // The first create's answer is lost; its retry is dropped before the server; the third attempt
        // meets the copy the first one made (412), which is exactly what was sent: done.
        pair.proxy.rules = [
          { kind: 'PUT create', times: 1, fault: { kind: 'drop-answer' } },
          { kind: 'PUT create', times: 1, fault: { kind: 'drop-request' } },
        ];
        const a = await pair.sync(SOURCE_V1);
        assert.equal(a.run.code, 0, a.run.stdout + a.run.stderr);
        assert.deepEqual(summaryCounts(a.run.stdout), counts(5, 0), a.run.stdout);
        assert.deepEqual(a.seen, { PROPFIND: 1, 'REPORT sync-collection': 2, 'PUT create': 7, GET: 1 });
        assert.deepEqual(await pair.target(), TARGET_V1);

        // The update's and the delete's answers are lost: sent again, they meet their own work (412, 404).
        pair.proxy.rules = [
          { kind: 'PUT if-match', times: 1, fault: { kind: 'drop-answer' } },
          { kind: 'DELETE if-match', times: 1, fault: { kind: 'drop-answer' } },
        ];
        const b = await pair.sync(SOURCE_V2);
        assert.equal(b.run.code, 0, b.run.stdout + b.run.stderr);
        assert.deepEqual(summaryCounts(b.run.stdout), counts(0, 0, { updated: 1, deleted: 1, unchanged: 3 }), b.run.stdout);
        assert.deepEqual(b.seen, { 'REPORT sync-collection': 1, 'PUT if-match': 2, GET: 1, 'DELETE if-match': 2 });
        assert.deepEqual(await pair.target(), TARGET_V2);

        pair.proxy.rules = [];
        const quiet = await pair.sync(SOURCE_V2);
        assert.equal(quiet.run.code, 0, quiet.run.stdout + quiet.run.stderr);
        assert.deepEqual(summaryCounts(quiet.run.stdout), counts(0, 0, { unchanged: 4 }), quiet.run.stdout);
      } finally {
        await pair.close();
      }
    });

    test('an answer that never comes is given up after REQUEST_TIMEOUT_SECONDS and the request sent again', async () => {
      const pair = await newPair({ REQUEST_TIMEOUT_SECONDS: '5' });
      try {
        pair.proxy.rules = [{ kind: 'PUT create', times: 1, fault: { kind: 'hang' } }];
        const { run, seen } = await pair.sync(SOURCE_V1);
        assert.equal(run.code, 0, run.stdout + run.stderr);
        assert.deepEqual(summaryCounts(run.stdout), counts(5, 0), run.stdout);
        assert.deepEqual(seen, { PROPFIND: 1, 'REPORT sync-collection': 2, 'PUT create': 6 });
        assert.deepEqual(await pair.target(), TARGET_V1);
      } finally {
        await pair.close();
      }
    });
  });
}
