// End to end against real Radicale and Xandikos: the CLI run as a user runs it, the target checked
// through the servers' own answers (an independent client), after every step.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { SERVER_KINDS, startServer, type CaldavServer } from './harness/caldav-servers.ts';
import { describeCopies } from './harness/describe-copies.ts';
import { FOREIGN_OBJECT, HOLIDAY_COPY, NY_CALL_COPY, STANDUP_COPIES } from './harness/fixture-copies.ts';
import { runCli, summaryCounts, summaryRequests } from './harness/run-cli.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/caldav/${name}`, import.meta.url), 'utf8');

/** Written by hand from the fixtures and RFC 5545, for the window 2026-10-01 .. 2026-11-01. */
const FIRST_SYNC = [
  HOLIDAY_COPY,
  NY_CALL_COPY,
  'review@test 20261027T160000Z | Daily review | 20261027T160000Z | DURATION PT1H',
  'review@test 20261028T160000Z | Daily review | 20261028T160000Z | DURATION PT1H',
  'review@test 20261030T160000Z | Daily review | 20261030T160000Z | DURATION PT1H',
  'review@test 20261031T160000Z | Daily review | 20261031T160000Z | DURATION PT1H',
  ...STANDUP_COPIES,
];
const FOREIGN = FOREIGN_OBJECT;

for (const kind of SERVER_KINDS) {
  describe(`sync into ${kind}`, () => {
    let server: CaldavServer;
    let sourceUrl: string;
    let targetUrl: string;
    let work: string;
    const copiesOnTarget = async () => describeCopies(await server.listObjects(targetUrl));
    /** The window of the runs; a later test moves it on. */
    let window = ['--from', '2026-10-01', '--to', '2026-11-01'];
    const sync = (...extra: string[]) =>
      runCli(
        [
          '--source', server.baseUrl, '--source-username', server.username, '--source-calendar', 'Work',
          '--target', server.baseUrl, '--target-username', server.username, '--target-calendar', 'Mirror',
          ...window, '--db', join(work, 'sync.db'), ...extra,
        ],
        { env: { SOURCE_PASSWORD: server.password, TARGET_PASSWORD: server.password } },
      );

    before(async () => {
      work = mkdtempSync(join(tmpdir(), 'calsync-e2e-'));
      server = await startServer(kind);
      sourceUrl = await server.createCalendar('work', 'Work');
      targetUrl = await server.createCalendar('mirror', 'Mirror');
      for (const name of ['standup.ics', 'holiday.ics', 'review.ics', 'ny-call.ics', 'later.ics', 'task.ics']) {
        await server.putObject(sourceUrl, name, fixture(name));
      }
      await server.putObject(targetUrl, 'foreign.ics', fixture('foreign.ics'));
    });
    after(async () => {
      await server?.stop();
      rmSync(work, { recursive: true, force: true });
    });

    test('a first sync writes every instance in the window as a standalone copy', async () => {
      const run = await sync();
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(summaryCounts(run.stdout), { created: 13, updated: 0, deleted: 0, unchanged: 0, retired: 0, skipped: 0, failed: 0 });
      assert.deepEqual(await copiesOnTarget(), [...FIRST_SYNC, FOREIGN].sort());
    });

    test('every copy is standalone, marked, and cannot trigger invitations', async () => {
      for (const { data } of await server.listObjects(targetUrl)) {
        if (data.includes('foreign@test')) continue;
        const unfolded = data.replace(/\r?\n[ \t]/g, '');
        const vevent = unfolded.slice(unfolded.indexOf('BEGIN:VEVENT'));
        assert.doesNotMatch(vevent, /^(RRULE|RDATE|EXDATE|RECURRENCE-ID)[;:]/m);
        assert.match(unfolded, /^UID:calsync-[0-9a-f]{32}\r?$/m);
        assert.match(unfolded, /^X-CALSYNC-PAIR:[0-9a-f]{12}\r?$/m);
        for (const line of unfolded.split(/\r?\n/).filter((l) => /^(ORGANIZER|ATTENDEE)[;:]/.test(l))) {
          assert.match(line, /;SCHEDULE-AGENT=CLIENT[;:]/, line);
        }
        if (/TZID=Europe\/Berlin/.test(unfolded)) assert.match(unfolded, /^BEGIN:VTIMEZONE\r?$/m);
        if (/TZID=America\/New_York/.test(unfolded)) assert.match(unfolded, /^TZID:America\/New_York\r?$/m);
      }
    });

    test('a second sync with nothing changed writes nothing', async () => {
      const before = await server.listObjects(targetUrl);
      const run = await sync();
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(summaryCounts(run.stdout), { created: 0, updated: 0, deleted: 0, unchanged: 13, retired: 0, skipped: 0, failed: 0 });
      // One change check per side (RFC 6578 sync-collection); discovery is remembered from the first run.
      assert.deepEqual(summaryRequests(run.stdout), { REPORT: 2 });
      assert.deepEqual(await server.listObjects(targetUrl), before);
    });

    test('edits, new exclusions, deletions and additions in the source reach the target', async () => {
      await server.putObject(sourceUrl, 'holiday.ics', fixture('holiday.ics').replace('SUMMARY:Company holiday', 'SUMMARY:Company holiday (office closed)'));
      await server.putObject(sourceUrl, 'standup.ics', fixture('standup.ics').replace('EXDATE;TZID=Europe/Berlin:20261014T093000', 'EXDATE;TZID=Europe/Berlin:20261014T093000,20261026T093000'));
      await server.deleteObject(sourceUrl, 'review.ics');
      await server.putObject(sourceUrl, 'new.ics', fixture('later.ics').replace('UID:later@test', 'UID:new@test').replace('SUMMARY:Outside the window', 'SUMMARY:Added later').replaceAll('20261201', '20261030'));
      // 5 of 13 copies go: more than the default MAX_DELETE_PERCENT of 25, so the run stops before writing...
      const guarded = await sync();
      assert.equal(guarded.code, 6, guarded.stdout);
      assert.match(guarded.stderr, /^error: this run would delete 5 of the pair's 13 copies \(38%, more than MAX_DELETE_PERCENT=25%\); nothing was written\. If the source really lost these events, run again with --force-delete/m);
      assert.deepEqual(await copiesOnTarget(), [...FIRST_SYNC, FOREIGN].sort());
      // ...until the user confirms.
      const run = await sync('--force-delete');
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(summaryCounts(run.stdout), { created: 1, updated: 1, deleted: 5, unchanged: 7, retired: 0, skipped: 0, failed: 0 });
      // Two change checks, one write per changed instance, and one change check of the target after
      // creating (so the next delta covers this run's creations); the guarded run already fetched the
      // three changed source objects.
      assert.deepEqual(summaryRequests(guarded.stdout), { REPORT: 3 });
      assert.deepEqual(summaryRequests(run.stdout), { REPORT: 3, PUT: 2, DELETE: 5 });
      const expected = FIRST_SYNC.filter((line) => !line.startsWith('review@test') && !line.startsWith('standup@test 20261026'))
        .map((line) => line.replace('| Company holiday |', '| Company holiday (office closed) |'))
        .concat('new@test | Added later | 20261030T100000Z | 20261030T110000Z', FOREIGN);
      assert.deepEqual(await copiesOnTarget(), expected.sort());
    });

    test('a lost state database is rebuilt from the copies without a single duplicate', async () => {
      const copiesBefore = await copiesOnTarget();
      rmSync(join(work, 'sync.db'));
      const rebuild = await sync();
      assert.equal(rebuild.code, 0, rebuild.stderr);
      // Every copy is found at its derived href exactly as the source has it: the state is rebuilt without a write.
      assert.deepEqual(summaryCounts(rebuild.stdout), { created: 0, updated: 0, deleted: 0, unchanged: 9, retired: 0, skipped: 0, failed: 0 });
      assert.equal(rebuild.stdout.split('\n').filter((line) => / relink /.test(line)).length, 9);
      assert.deepEqual(Object.keys(summaryRequests(rebuild.stdout)).filter((method) => method === 'PUT' || method === 'DELETE'), []);
      assert.deepEqual(await copiesOnTarget(), copiesBefore);
      const next = await sync();
      assert.deepEqual(summaryCounts(next.stdout), { created: 0, updated: 0, deleted: 0, unchanged: 9, retired: 0, skipped: 0, failed: 0 });
    });

    test('a calendar given by its collection URL or path is used as it is, and is the same pair', async () => {
      const collectionPath = new URL(targetUrl).pathname;
      const run = await runCli(
        ['--source', sourceUrl, '--source-username', server.username, '--target', server.baseUrl, '--target-username', server.username,
          '--target-calendar', collectionPath, '--from', '2026-10-01', '--to', '2026-11-01', '--db', join(work, 'sync.db')],
        { env: { SOURCE_PASSWORD: server.password, TARGET_PASSWORD: server.password } },
      );
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(summaryCounts(run.stdout), { created: 0, updated: 0, deleted: 0, unchanged: 9, retired: 0, skipped: 0, failed: 0 });
    });

    test('a write the server refuses (a UID taken by another object) fails alone, with the reason, and the run says so', async () => {
      const copies = (await server.listObjects(targetUrl)).filter(({ data }) => data.includes('X-CALSYNC-SOURCE-UID:ny-call@test'));
      assert.equal(copies.length, 1);
      const uid = /^UID:(.*)$/m.exec(copies[0].data)![1].trim();
      const name = copies[0].href.split('/').pop()!;
      await server.deleteObject(targetUrl, name);
      await server.putObject(targetUrl, 'squatter.ics', fixture('foreign.ics').replace('UID:foreign@test', `UID:${uid}`));
      const run = await sync();
      assert.equal(run.code, 1);
      assert.deepEqual(summaryCounts(run.stdout), { created: 0, updated: 0, deleted: 0, unchanged: 8, retired: 0, skipped: 0, failed: 1 });
      const refusal = kind === 'radicale' ? 'HTTP 409 (no-uid-conflict)' : 'HTTP 412 (no-uid-conflict)';
      assert.match(run.stdout, new RegExp(`FAILED create +ny-call@test -> \\S+${name} \\(the copy was deleted on the target; recreated \\(the source is the truth\\)\\)`));
      assert.match(run.stdout, /1 failed;/);
      const state = new Database(join(work, 'sync.db'), { readonly: true });
      const row = state.prepare("SELECT action, outcome, reason FROM audit WHERE outcome = 'failed'").get();
      state.close();
      assert.deepEqual(row, {
        action: 'create',
        outcome: 'failed',
        reason: `the copy was deleted on the target; recreated (the source is the truth); failed: the target refused the write: its UID is already used by another object (${refusal})`,
      });
      await server.deleteObject(targetUrl, 'squatter.ics');
      const healed = await sync();
      assert.equal(healed.code, 0, healed.stdout);
      assert.deepEqual(summaryCounts(healed.stdout), { created: 1, updated: 0, deleted: 0, unchanged: 8, retired: 0, skipped: 0, failed: 0 });
    });

    test('when the window moves on, entering instances are created and leaving ones retire, with no source request beyond the change check', async () => {
      window = ['--from', '2026-10-08', '--to', '2026-11-08'];
      const run = await sync();
      assert.equal(run.code, 0, run.stderr);
      // Stand-ups of Nov 2 and Nov 4 (the last before UNTIL) enter; those of Oct 5 and Oct 7 leave, their copies kept.
      assert.deepEqual(summaryCounts(run.stdout), { created: 2, updated: 0, deleted: 0, unchanged: 7, retired: 2, skipped: 0, failed: 0 });
      // Two change checks, two writes, and the target's change check after creating.
      assert.deepEqual(summaryRequests(run.stdout), { REPORT: 3, PUT: 2 });
      const copies = await copiesOnTarget();
      assert.ok(copies.includes('standup@test 20261102T083000Z | Stand-up | 20261102T093000[Europe/Berlin] | 20261102T094500[Europe/Berlin]'));
      assert.ok(copies.includes('standup@test 20261005T073000Z | Stand-up | 20261005T093000[Europe/Berlin] | 20261005T094500[Europe/Berlin]'));
    });

    test('a sync token the server no longer accepts means a clean full resync, and no change is lost', async () => {
      const state = new Database(join(work, 'sync.db'));
      state.prepare("UPDATE collection_state SET sync_token = 'http://example.invalid/expired-token'").run();
      state.close();
      await server.putObject(sourceUrl, 'ny-call.ics', fixture('ny-call.ics').replace('SUMMARY:NY call', 'SUMMARY:NY call (moved room)'));
      const run = await sync();
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.deepEqual(summaryCounts(run.stdout), { created: 0, updated: 1, deleted: 0, unchanged: 8, retired: 0, skipped: 0, failed: 0 });
      // Per side: the refused delta and a full listing; then one multiget of the changed object.
      assert.deepEqual(summaryRequests(run.stdout), { REPORT: 5, PUT: 1 });
      assert.ok((await copiesOnTarget()).includes('ny-call@test | NY call (moved room) | 20261020T090000[America/New_York] | 20261020T100000[America/New_York]'));
      const reader = new Database(join(work, 'sync.db'), { readonly: true });
      const lastRun = reader.prepare('SELECT outcome, updated, requests, requests_by_method, bytes_received > 0 AS received FROM runs ORDER BY id DESC LIMIT 1').get();
      const tokens = reader.prepare("SELECT count(*) AS n FROM collection_state WHERE sync_token LIKE '%expired-token'").get();
      reader.close();
      assert.deepEqual(lastRun, { outcome: 'success', updated: 1, requests: 6, requests_by_method: '{"REPORT":5,"PUT":1}', received: 1 });
      assert.deepEqual(tokens, { n: 0 });
    });

    test('a copy edited or deleted on the target is noticed from the change check alone and put back', async () => {
      const copies = await server.listObjects(targetUrl);
      const holiday = copies.find(({ data }) => data.includes('X-CALSYNC-SOURCE-UID:holiday@test'))!;
      const added = copies.find(({ data }) => data.includes('X-CALSYNC-SOURCE-UID:new@test'))!;
      const before = await copiesOnTarget();
      await server.putObject(targetUrl, holiday.href.split('/').pop()!, holiday.data.replace(/SUMMARY:.*/, 'SUMMARY:edited by someone'));
      await server.deleteObject(targetUrl, added.href.split('/').pop()!);
      const run = await sync();
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.deepEqual(summaryCounts(run.stdout), { created: 1, updated: 1, deleted: 0, unchanged: 7, retired: 0, skipped: 0, failed: 0 });
      // Two change checks, one multiget of the one changed copy (to see it is still ours), two writes,
      // and the target's change check after creating.
      assert.deepEqual(summaryRequests(run.stdout), { REPORT: 4, PUT: 2 });
      assert.deepEqual(await copiesOnTarget(), before);
    });

    test('a calendar name that matches nothing is one clear line listing the calendars found', async () => {
      const run = await runCli(
        ['--source', server.baseUrl, '--source-username', server.username, '--source-calendar', 'work', '--target', join(work, 'folder'), '--db', join(work, 'other.db')],
        { env: { SOURCE_PASSWORD: server.password } },
      );
      assert.equal(run.code, 3);
      assert.equal(run.stdout, '');
      const lines = run.stderr.trim().split('\n');
      assert.equal(lines.length, 1, run.stderr);
      assert.match(lines[0], /^error: no calendar is named "work" on the source server; calendars found: .*"Work" \(http:\/\/127\.0\.0\.1:\d+\/[^)]*work\/\).*"Mirror"/);
    });
  });
}

test('a wrong password is one line naming the server and the account (Radicale)', async () => {
  const server = await startServer('radicale');
  try {
    await server.createCalendar('work', 'Work');
    const work = mkdtempSync(join(tmpdir(), 'calsync-auth-'));
    const run = await runCli(['--source', server.baseUrl, '--source-username', 'test', '--source-calendar', 'Work', '--target', join(work, 'out'), '--db', join(work, 's.db')], {
      env: { SOURCE_PASSWORD: 'wrong' },
    });
    rmSync(work, { recursive: true, force: true });
    assert.equal(run.code, 4);
    assert.equal(run.stderr, `error: the source server ${server.baseUrl.replace(/\/$/, '')} refused the login of user "test" (HTTP 401); check SOURCE_USERNAME and SOURCE_PASSWORD\n`);
    assert.doesNotMatch(run.stderr + run.stdout, /wrong/);
  } finally {
    await server.stop();
  }
});
