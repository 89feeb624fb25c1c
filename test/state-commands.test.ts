// status, log and prune, and the views of sync.db, after real runs against Radicale: a conflict
// (TARGET_EDITS=keep) and a failed write are what a person comes to these commands for.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { startServer, type CaldavServer } from './harness/caldav-servers.ts';
import { describeCopies } from './harness/describe-copies.ts';
import { runCli } from './harness/run-cli.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/caldav/${name}`, import.meta.url), 'utf8');

describe('state commands after runs against radicale', () => {
  let server: CaldavServer;
  let work: string;
  let db: string;
  let targetUrl: string;
  let conflictHref: string;
  let squatted: string;
  let holidayHref: string;
  const sync = (...extra: string[]) =>
    runCli(
      [...extra.filter((arg) => arg === 'verify'), '--source', `${server.homeUrl}work/`, '--source-username', server.username, '--target', targetUrl, '--target-username', server.username, '--from', '2026-10-01', '--to', '2026-11-01', '--db', db, ...extra.filter((arg) => arg !== 'verify')],
      { env: { SOURCE_PASSWORD: server.password, TARGET_PASSWORD: server.password } },
    );
  const command = (...args: string[]) => runCli([...args, '--db', db]);

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'calsync-state-commands-'));
    db = join(work, 'sync.db');
    server = await startServer('radicale');
    const sourceUrl = await server.createCalendar('work', 'Work');
    targetUrl = await server.createCalendar('mirror', 'Mirror');
    await server.putObject(sourceUrl, 'standup.ics', fixture('standup.ics'));
    await server.putObject(sourceUrl, 'holiday.ics', fixture('holiday.ics'));
    assert.equal((await sync()).code, 0);
    // Someone edits the Oct 5 stand-up's copy, and someone else takes the holiday copy's UID.
    const objects = await server.listObjects(targetUrl);
    const standup = objects.find((o) => describeCopies([o])[0].startsWith('standup@test 20261005'))!;
    conflictHref = new URL(standup.href, targetUrl).pathname;
    await server.putObject(targetUrl, standup.href.split('/').pop()!, standup.data.replace('SUMMARY:Stand-up', 'SUMMARY:Stand-up (notes)'));
    const holiday = objects.find((o) => describeCopies([o])[0].startsWith('holiday@test'))!;
    holidayHref = new URL(holiday.href, targetUrl).pathname;
    await server.deleteObject(targetUrl, holiday.href.split('/').pop()!);
    // The copy is made again under the next generation of its UID, which someone has taken.
    const uid = /^UID:(.*)$/m.exec(holiday.data)![1].trim();
    squatted = new URL(`${uid}-r2.ics`, new URL(holiday.href, targetUrl)).pathname;
    await server.putObject(targetUrl, 'squatter.ics', fixture('foreign.ics').replace('UID:foreign@test', `UID:${uid}-r2`));
    const second = await sync('--target-edits', 'keep');
    assert.equal(second.code, 1, second.stdout + second.stderr);
  });
  after(async () => {
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test('status shows each run, the copies held, and the conflict and failure the last run left', async () => {
    const run = await command('status');
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trim().split('\n');
    assert.match(lines[0], /^pair [0-9a-f]{12}: http:\/\/127\.0\.0\.1:\d+\/test\/work\/ -> http:\/\/127\.0\.0\.1:\d+\/test\/mirror\/$/);
    assert.deepEqual(lines.slice(1, 4), ['  copies: 8 synced', '  window of the last run: 2026-10-01T00:00:00Z .. 2026-11-01T00:00:00Z', '  last runs:']);
    // Run 2: two change checks, a multiget of the two objects changed on the target, the refused PUT, the closing change check.
    assert.match(lines[4], /^    run 2 \S+ partial: 0 created, 0 updated, 0 deleted, 6 unchanged, 0 retired, 0 skipped, 1 failed, 1 conflicts; 5 requests, \d+\.\d s$/);
    assert.match(lines[5], /^    run 1 \S+ success: 8 created, 0 updated, 0 deleted, 0 unchanged, 0 retired, 0 skipped, 0 failed; \d+ requests, \d+\.\d s$/);
    assert.equal(lines[6], '  pending from the last finished run: 1 conflicts, 1 failed or skipped');
    assert.deepEqual(lines.slice(7).sort(), [
      `    conflict standup@test @ 20261005T073000Z -> ${conflictHref} (the copy was changed on the target since the last run; kept as it is (TARGET_EDITS=keep))`,
      `    create failed holiday@test -> ${squatted} (the copy was deleted on the target; recreated (the source is the truth); failed: the target refused the write: its UID is already used by another object (HTTP 409 (no-uid-conflict)))`,
    ].sort());
    assert.equal(lines.length, 9);
    const json = JSON.parse((await command('status', '--json')).stdout);
    assert.equal(json.length, 1);
    assert.deepEqual(json[0].copies, { synced: 8, keptDeleted: 0 });
    assert.deepEqual(json[0].runs.map((r: { id: number; outcome: string }) => [r.id, r.outcome]), [[2, 'partial'], [1, 'success']]);
    assert.equal(json[0].lock, null);
  });

  test('log filters by action, outcome, run, UID and href, as a table or as JSON lines', async () => {
    const conflicts = (await command('log', '--action', 'conflict', '--json')).stdout.trim().split('\n').map((line) => JSON.parse(line));
    assert.equal(conflicts.length, 1);
    assert.deepEqual(
      { run: conflicts[0].run, action: conflicts[0].action, outcome: conflicts[0].outcome, sourceUid: conflicts[0].sourceUid, recurrenceId: conflicts[0].recurrenceId, targetHref: conflicts[0].targetHref },
      { run: 2, action: 'conflict', outcome: 'ok', sourceUid: 'standup@test', recurrenceId: '20261005T073000Z', targetHref: conflictHref },
    );
    assert.match(conflicts[0].at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    const failed = (await command('log', '--outcome', 'failed')).stdout.trim().split('\n');
    assert.equal(failed.length, 1);
    assert.match(failed[0], new RegExp(`^\\S+ run 2 create +failed holiday@test -> ${squatted} \\(the copy was deleted on the target`));
    assert.equal((await command('log', '--run', '1', '--json')).stdout.trim().split('\n').length, 8);
    assert.equal((await command('log', '--uid', 'standup@test', '--json')).stdout.trim().split('\n').length, 8, '7 creates and the conflict');
    assert.equal((await command('log', '--href', holidayHref, '--json')).stdout.trim().split('\n').length, 1, 'its create');
    assert.equal((await command('log', '--href', squatted, '--json')).stdout.trim().split('\n').length, 1, 'the failed re-create');
    assert.equal((await command('log', '--limit', '3', '--json')).stdout.trim().split('\n').length, 3);
    const none = await command('log', '--uid', 'nobody@test');
    assert.equal(none.stdout, 'no audit rows match\n');
  });

  test('the views answer the common questions with the sqlite3 shell', () => {
    const state = new Database(db, { readonly: true });
    try {
      assert.deepEqual(state.prepare('SELECT run_id, outcome, created, failed, conflicts FROM last_runs').all(), [
        { run_id: 2, outcome: 'partial', created: 0, failed: 1, conflicts: 1 },
        { run_id: 1, outcome: 'success', created: 8, failed: 0, conflicts: 0 },
      ]);
      assert.deepEqual(state.prepare('SELECT action, source_uid FROM failures').all(), [{ action: 'create', source_uid: 'holiday@test' }]);
      assert.deepEqual(state.prepare('SELECT source_uid, recurrence_id, target_href FROM conflicts').all(), [{ source_uid: 'standup@test', recurrence_id: '20261005T073000Z', target_href: conflictHref }]);
      assert.deepEqual(state.prepare('SELECT source_uid, copies, kept_deleted FROM copies_per_event ORDER BY source_uid').all(), [
        { source_uid: 'holiday@test', copies: 1, kept_deleted: 0 },
        { source_uid: 'standup@test', copies: 7, kept_deleted: 0 },
      ]);
    } finally {
      state.close();
    }
  });

  test('audit rows cannot be deleted or changed by accident; prune removes only rows older than its age', async () => {
    const state = new Database(db);
    try {
      assert.throws(() => state.prepare('DELETE FROM audit').run(), /audit rows are append-only; old ones are removed with the prune command/);
      assert.throws(() => state.prepare("UPDATE audit SET reason = 'x'").run(), /audit rows are append-only/);
      const pruned = await command('prune', '--older-than', '1');
      assert.equal(pruned.code, 0, pruned.stderr);
      assert.match(pruned.stdout, /^\S+ removed 0 audit rows from before \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\n$/);
      assert.deepEqual(state.prepare('SELECT count(*) AS n FROM audit').get(), { n: 10 });
      const refused = await command('prune', '--older-than', '0');
      assert.equal(refused.code, 3);
      assert.equal(refused.stderr, 'error: --older-than is "0"; it must be a whole number of days, at least 1, like 365\n');
      assert.equal((await command('prune')).code, 3, '--older-than is required');
      assert.deepEqual(state.prepare('SELECT count(*) AS n FROM audit').get(), { n: 10 });
    } finally {
      state.close();
    }
  });

  test('verify names each difference between the state and the calendars, writes nothing, and exits 2; 0 once they agree', async () => {
    const before = await server.listObjects(targetUrl);
    const state = new Database(db, { readonly: true });
    const runsBefore = state.prepare('SELECT count(*) AS n FROM runs').get();
    const run = await sync('verify', '--target-edits', 'keep');
    assert.equal(run.code, 2, run.stdout + run.stderr);
    const lines = run.stdout.trim().split('\n').map((line) => line.replace(/^\S+ /, ''));
    assert.deepEqual(lines.slice(0, -1).sort(), [
      `copy changed on the target: conflict standup@test @ 20261005T073000Z -> ${conflictHref} (the copy was changed on the target since the last run; kept as it is (TARGET_EDITS=keep))`,
      `missing copy: create holiday@test -> ${squatted} (the copy was deleted on the target; recreated (the source is the truth))`,
    ]);
    // Full listings of both sides (each a REPORT) and a multiget of every target object: nothing is trusted from the state.
    assert.match(lines.at(-1)!, /^2 differences: 6 copies as the state says; \d+ requests, nothing written$/);
    assert.deepEqual(await server.listObjects(targetUrl), before);
    assert.deepEqual(state.prepare('SELECT count(*) AS n FROM runs').get(), runsBefore);
    state.close();

    await server.deleteObject(targetUrl, 'squatter.ics');
    assert.equal((await sync()).code, 0);
    const agreed = await sync('verify');
    assert.equal(agreed.code, 0, agreed.stdout + agreed.stderr);
    assert.match(agreed.stdout, /^\S+ consistent: 8 copies as the state says; \d+ requests, nothing written\n$/);
  });

  test('explain shows how the stand-up became its copies: occurrences, the rule of each, what was left out, copies and history', async () => {
    const run = await command('explain', 'standup@test', '--json');
    assert.equal(run.code, 0, run.stderr);
    const [e] = JSON.parse(run.stdout);
    assert.equal(e.sourceHref, '/test/work/standup.ics');
    assert.equal(e.series, 'FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20261104T235959Z');
    assert.deepEqual(e.window, { start: '2026-10-01T00:00:00Z', end: '2026-11-01T00:00:00Z' });
    // Written by hand from the fixture: Berlin 9:30 is 07:30Z before Oct 25 and 08:30Z after; the Oct 21 one moved to Oct 22 15:00.
    assert.deepEqual(e.occurrences.map((o: { recurrenceId: string; start: string; from: string }) => [o.recurrenceId, o.start, o.from]), [
      ['20261005T073000Z', '2026-10-05T07:30:00Z', 'RRULE'],
      ['20261007T073000Z', '2026-10-07T07:30:00Z', 'RRULE'],
      ['20261012T073000Z', '2026-10-12T07:30:00Z', 'RRULE'],
      ['20261019T073000Z', '2026-10-19T07:30:00Z', 'RRULE'],
      ['20261021T073000Z', '2026-10-22T13:00:00Z', 'an override (RECURRENCE-ID)'],
      ['20261026T083000Z', '2026-10-26T08:30:00Z', 'RRULE'],
      ['20261028T083000Z', '2026-10-28T08:30:00Z', 'RRULE'],
    ]);
    assert.ok(e.occurrences.every((o: { copy: { href: string } | null }) => o.copy !== null && o.copy.href.startsWith('/test/mirror/calsync-')));
    assert.deepEqual(e.leftOut, [{ recurrenceId: '20261014T073000Z', why: 'excluded by EXDATE' }]);
    assert.deepEqual(e.history.map((h: { run: number; action: string; recurrenceId: string }) => [h.run, h.action, h.recurrenceId]).filter(([, , rid]: string[]) => rid === '20261005T073000Z'), [
      [1, 'create', '20261005T073000Z'],
      [2, 'conflict', '20261005T073000Z'],
      [3, 'update', '20261005T073000Z'], // the sync in the verify test overwrote the edited copy
    ]);

    const one = await command('explain', 'standup@test', '20261021T073000Z');
    const lines = one.stdout.trim().split('\n');
    assert.equal(lines[0], `standup@test (pair ${e.pair}): source object /test/work/standup.ics (ETag ${e.sourceEtag}), as the last run read it`);
    assert.equal(lines[2], '  1 occurrences in the window:');
    assert.match(lines[3], /^    20261021T073000Z 2026-10-22T13:00:00Z \.\. 2026-10-22T13:30:00Z from an override \(RECURRENCE-ID\): copy \/test\/mirror\/calsync-[0-9a-f]{32}\.ics \(ETag "[^"]+"\)$/);
    assert.equal((await command('explain', 'nobody@test')).stdout, 'nothing is known of nobody@test in this database: no source object, copy or audit row\n');
  });

  test('the commands need an existing state database and say so in one line', async () => {
    const missing = await runCli(['status', '--db', join(work, 'nothing-here.db')]);
    assert.equal(missing.code, 3);
    assert.equal(missing.stderr, `error: there is no state database at ${join(work, 'nothing-here.db')}; a sync makes it (give --db or --config if it is elsewhere)\n`);
  });
});
