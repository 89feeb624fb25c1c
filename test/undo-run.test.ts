// undo against real Radicale and Xandikos: a run that created, updated (one of them over an edit made
// on the target) and deleted copies is undone, and the target holds exactly what it held before the
// run, byte for byte. Undoing twice changes nothing; the next sync does the run's work again; a write
// whose object changed since is left alone. With TARGET_DELETIONS=propagate, the source events the run
// changed or deleted are put back exactly.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SERVER_KINDS, startServer, type CaldavServer } from './harness/caldav-servers.ts';
import { describeCopies } from './harness/describe-copies.ts';
import { FOREIGN_OBJECT, HOLIDAY_COPY, STANDUP_COPIES } from './harness/fixture-copies.ts';
import { runCli, runOnCalendars, summaryCounts, summaryRequests } from './harness/run-cli.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/caldav/${name}`, import.meta.url), 'utf8');
const LAUNCH = fixture('holiday.ics').replace('UID:holiday@test', 'UID:launch@test').replace('SUMMARY:Company holiday', 'SUMMARY:Launch').replace('20261015', '20261020').replace('20261017', '20261021');
const LAUNCH_COPY = 'launch@test | Launch | 20261020 | 20261021';
const REVIEW_COPIES = ['20261027T160000Z', '20261028T160000Z', '20261030T160000Z', '20261031T160000Z'].map(
  (rid) => `review@test ${rid} | Daily review | ${rid} | DURATION PT1H`,
);

/** Every object of a calendar as it is stored: href and text, sorted by href. */
async function storedObjects(server: CaldavServer, url: string) {
  return (await server.listObjects(url)).map(({ href, data }) => ({ href, data })).sort((a, b) => a.href.localeCompare(b.href));
}

const undoLines = (stdout: string) => stdout.trim().split('\n').slice(0, -1).map((line) => line.replace(/^\S+ /, ''));

for (const kind of SERVER_KINDS) {
  describe(`undo on ${kind}`, () => {
    let server: CaldavServer;
    let work: string;
    let sourceUrl: string;
    let targetUrl: string;
    let beforeRun2: Array<{ href: string; data: string }>;
    let afterRun2: string[];
    const cli = (command: string[], ...extra: string[]) => runOnCalendars({ server, source: sourceUrl, target: targetUrl, db: join(work, 'sync.db') }, [...command, ...extra]);
    const copies = async () => describeCopies(await server.listObjects(targetUrl));

    before(async () => {
      work = mkdtempSync(join(tmpdir(), 'calsync-undo-'));
      server = await startServer(kind);
      sourceUrl = await server.createCalendar('work', 'Work');
      targetUrl = await server.createCalendar('mirror', 'Mirror');
      for (const name of ['standup.ics', 'holiday.ics', 'review.ics']) await server.putObject(sourceUrl, name, fixture(name));
      await server.putObject(targetUrl, 'foreign.ics', fixture('foreign.ics'));
      const run1 = await cli([]);
      assert.equal(run1.code, 0, run1.stdout + run1.stderr);
      // Run 2 is to update the holiday (changed in the source) and a stand-up copy someone edited on
      // the target, delete the review's four copies (gone from the source) and create the launch's.
      await server.putObject(sourceUrl, 'holiday.ics', fixture('holiday.ics').replace('SUMMARY:Company holiday', 'SUMMARY:Company holiday (all offices)'));
      await server.deleteObject(sourceUrl, 'review.ics');
      await server.putObject(sourceUrl, 'launch.ics', LAUNCH);
      const edited = (await server.listObjects(targetUrl)).find((o) => describeCopies([o])[0] === STANDUP_COPIES[0])!;
      await server.putObject(targetUrl, edited.href.split('/').pop()!, edited.data.replace('SUMMARY:Stand-up', 'SUMMARY:Stand-up (edited on the target)'));
      beforeRun2 = await storedObjects(server, targetUrl);
      const run2 = await cli([], '--force-delete');
      assert.equal(run2.code, 0, run2.stdout + run2.stderr);
      assert.deepEqual(summaryCounts(run2.stdout), { created: 1, updated: 2, deleted: 4, unchanged: 6, retired: 0, skipped: 0, failed: 0 });
      afterRun2 = await copies();
      assert.deepEqual(afterRun2, [HOLIDAY_COPY.replace('Company holiday', 'Company holiday (all offices)'), LAUNCH_COPY, ...STANDUP_COPIES, FOREIGN_OBJECT].sort());
    });
    after(async () => {
      await server?.stop();
      rmSync(work, { recursive: true, force: true });
    });

    test('undo --dry-run lists the seven writes it would revert, newest first, and writes nothing', async () => {
      const run = await cli(['undo', '2'], '--dry-run');
      assert.equal(run.code, 0, run.stdout + run.stderr);
      const lines = undoLines(run.stdout);
      assert.equal(lines.length, 7, run.stdout);
      assert.deepEqual(lines.map((line) => line.split(' (')[0]).sort(), [
        'would put back the copy of holiday@test',
        'would put back the copy of review@test @ 20261027T160000Z',
        'would put back the copy of review@test @ 20261028T160000Z',
        'would put back the copy of review@test @ 20261030T160000Z',
        'would put back the copy of review@test @ 20261031T160000Z',
        'would put back the copy of standup@test @ 20261005T073000Z',
        'would remove the copy of launch@test',
      ]);
      assert.deepEqual(await copies(), afterRun2);
    });

    test('undo puts the target back exactly as it was before the run', async () => {
      const run = await cli(['undo', '2']);
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.deepEqual(summaryCounts(run.stdout), { created: 4, updated: 2, deleted: 1, unchanged: 0, retired: 0, skipped: 0, failed: 0 });
      assert.deepEqual(summaryRequests(run.stdout).PUT, 6);
      assert.deepEqual(summaryRequests(run.stdout).DELETE, 1);
      assert.deepEqual(await storedObjects(server, targetUrl), beforeRun2);
      assert.deepEqual(await copies(), [HOLIDAY_COPY, ...REVIEW_COPIES, STANDUP_COPIES[0].replace('| Stand-up |', '| Stand-up (edited on the target) |'), ...STANDUP_COPIES.slice(1), FOREIGN_OBJECT].sort());
      const log = await runCli(['log', '--action', 'undo', '--json', '--db', join(work, 'sync.db')]);
      assert.equal(log.code, 0, log.stderr);
      const rows = log.stdout.trim().split('\n').map((line) => JSON.parse(line));
      assert.deepEqual(rows.map((r) => [r.run, r.outcome]), Array(7).fill([3, 'ok']));
    });

    test('undoing the same run again finds every write already undone and writes nothing', async () => {
      const run = await cli(['undo', '2']);
      assert.equal(run.code, 0, run.stdout + run.stderr);
      const lines = undoLines(run.stdout);
      assert.equal(lines.length, 7);
      for (const line of lines) assert.match(line, /: already undone by run 3$/);
      assert.equal(summaryRequests(run.stdout).PUT, undefined);
      assert.equal(summaryRequests(run.stdout).DELETE, undefined);
      assert.deepEqual(await storedObjects(server, targetUrl), beforeRun2);
    });

    test('an undo run cannot itself be undone', async () => {
      const run = await cli(['undo', '3']);
      assert.equal(run.code, 3, run.stdout + run.stderr);
      assert.equal(run.stderr.trim(), 'error: run 3 was itself an undo; a sync makes the target follow the source again');
    });

    test('the next sync does the undone run again, exactly', async () => {
      const run = await cli([], '--force-delete');
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.deepEqual(summaryCounts(run.stdout), { created: 1, updated: 2, deleted: 4, unchanged: 6, retired: 0, skipped: 0, failed: 0 });
      assert.deepEqual(await copies(), afterRun2);
    });

    test('a write whose object changed since is left alone: undo of the first run removes only the copies nobody changed', async () => {
      // Run 1's copies now: the holiday's is updated, the review's are gone, and someone edits a stand-up
      // copy. (The stand-up copy edited before run 2 holds exactly run 1's text again: its ETag is run 1's.)
      const edited = (await server.listObjects(targetUrl)).find((o) => describeCopies([o])[0] === STANDUP_COPIES[0])!;
      await server.putObject(targetUrl, edited.href.split('/').pop()!, edited.data.replace('SUMMARY:Stand-up', 'SUMMARY:Stand-up (edited again)'));
      const edits = await copies();
      const run = await cli(['undo', '1'], '--dry-run');
      assert.equal(run.code, 1, run.stdout + run.stderr);
      const lines = undoLines(run.stdout);
      const remove = lines.filter((line) => line.startsWith('would remove the copy of '));
      assert.deepEqual(remove.map((line) => line.split(' (')[0].replace('would remove the copy of ', '')).sort(), [
        'standup@test @ 20261007T073000Z',
        'standup@test @ 20261012T073000Z',
        'standup@test @ 20261019T073000Z',
        'standup@test @ 20261021T073000Z',
        'standup@test @ 20261026T083000Z',
        'standup@test @ 20261028T083000Z',
      ]);
      const cannot = run.stderr.trim().split('\n').map((line) => line.replace(/^\S+ /, ''));
      assert.ok(cannot.every((line) => line.startsWith('warning: cannot undo the create of ')), run.stderr);
      assert.equal(cannot.length, 6, run.stdout);
      assert.equal(cannot.filter((line) => / has changed since \(ETag .*\); left as it is$/.test(line)).length, 2, run.stdout);
      assert.equal(cannot.filter((line) => / is no longer there; left as it is$/.test(line)).length, 4, run.stdout);
      assert.equal(lines.length, 6);
      assert.deepEqual(await copies(), edits);
    });
  });
}

describe('undo of a run that deleted occurrences in the source (TARGET_DELETIONS=propagate), on radicale', () => {
  let server: CaldavServer;
  let work: string;
  let sourceUrl: string;
  let targetUrl: string;
  const cli = (command: string[], ...extra: string[]) =>
    runOnCalendars({ server, source: sourceUrl, target: targetUrl, db: join(work, 'sync.db') }, [...command, '--target-deletions', 'propagate', ...extra]);

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'calsync-undo-propagate-'));
    server = await startServer('radicale');
    sourceUrl = await server.createCalendar('work', 'Work');
    targetUrl = await server.createCalendar('mirror', 'Mirror');
    for (const name of ['standup.ics', 'holiday.ics']) await server.putObject(sourceUrl, name, fixture(name));
    assert.equal((await cli([])).code, 0);
  });
  after(async () => {
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test('the source events come back exactly, and the next sync makes their copies again', async () => {
    const sourceBefore = await storedObjects(server, sourceUrl);
    // The user deletes the holiday's copy and one stand-up copy; the run deletes them in the source.
    for (const object of await server.listObjects(targetUrl)) {
      const [line] = describeCopies([object]);
      if (line === HOLIDAY_COPY || line === STANDUP_COPIES[2]) await server.deleteObject(targetUrl, object.href.split('/').pop()!);
    }
    const run2 = await cli([], '--force-delete');
    assert.equal(run2.code, 0, run2.stdout + run2.stderr);
    assert.deepEqual(summaryCounts(run2.stdout), { created: 0, updated: 0, deleted: 0, unchanged: 6, retired: 0, skipped: 0, failed: 0, propagated: 2 });
    assert.deepEqual((await storedObjects(server, sourceUrl)).map((o) => o.href), [sourceBefore[1].href]);

    const run = await cli(['undo', '2']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual(undoLines(run.stdout).map((line) => line.split(' as it was')[0]).sort(), [
      `put back the source event ${sourceBefore[0].href}`,
      `put back the source event ${sourceBefore[1].href}`,
    ]);
    assert.deepEqual(await storedObjects(server, sourceUrl), sourceBefore);

    const next = await cli([]);
    assert.equal(next.code, 0, next.stdout + next.stderr);
    assert.deepEqual(summaryCounts(next.stdout), { created: 2, updated: 0, deleted: 0, unchanged: 6, retired: 0, skipped: 0, failed: 0 });
    assert.deepEqual(describeCopies(await server.listObjects(targetUrl)), [HOLIDAY_COPY, ...STANDUP_COPIES].sort());
  });
});
