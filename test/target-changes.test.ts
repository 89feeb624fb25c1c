// Copies deleted or changed on the target, against real Radicale and Xandikos: TARGET_DELETIONS
// recreate / respect / propagate (with a concurrent source edit that must not be lost) and
// TARGET_EDITS overwrite / keep. Each test has its own pair of calendars and its own state.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import ICAL from 'ical.js';
import { SERVER_KINDS, startServer, type CaldavServer } from './harness/caldav-servers.ts';
import { startCountingProxy, type CountingProxy } from './harness/counting-proxy.ts';
import { describeCopies } from './harness/describe-copies.ts';
import { FOREIGN_OBJECT, HOLIDAY_COPY, STANDUP_COPIES } from './harness/fixture-copies.ts';
import { runCli, summaryCounts } from './harness/run-cli.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/caldav/${name}`, import.meta.url), 'utf8');

const HOLIDAY = HOLIDAY_COPY;
const STANDUPS = STANDUP_COPIES;
const FOREIGN = FOREIGN_OBJECT;
const ALL = [HOLIDAY, ...STANDUPS, FOREIGN].sort();

for (const kind of SERVER_KINDS) {
  describe(`copies changed on ${kind}`, () => {
    let server: CaldavServer;
    let work: string;
    let pairs = 0;

    before(async () => {
      work = mkdtempSync(join(tmpdir(), 'calsync-target-changes-'));
      server = await startServer(kind);
    });
    after(async () => {
      await server?.stop();
      rmSync(work, { recursive: true, force: true });
    });

    /** A fresh source (stand-up, holiday) and target (one foreign event) and state; `via` and `targetVia` route each side. */
    async function newPair(via: (url: string) => string = (url) => url, targetVia: (url: string) => string = (url) => url) {
      const n = ++pairs;
      const sourceUrl = await server.createCalendar(`work-${n}`, `Work ${n}`);
      const targetUrl = await server.createCalendar(`mirror-${n}`, `Mirror ${n}`);
      await server.putObject(sourceUrl, 'standup.ics', fixture('standup.ics'));
      await server.putObject(sourceUrl, 'holiday.ics', fixture('holiday.ics'));
      await server.putObject(targetUrl, 'foreign.ics', fixture('foreign.ics'));
      const db = join(work, `sync-${n}.db`);
      const sync = (...extra: string[]) =>
        runCli(
          ['--source', via(sourceUrl), '--source-username', server.username, '--target', targetVia(targetUrl), '--target-username', server.username, '--from', '2026-10-01', '--to', '2026-11-01', '--db', db, ...extra],
          { env: { SOURCE_PASSWORD: server.password, TARGET_PASSWORD: server.password } },
        );
      const first = await sync();
      assert.equal(first.code, 0, first.stdout + first.stderr);
      const copies = async () => describeCopies(await server.listObjects(targetUrl));
      assert.deepEqual(await copies(), ALL);
      /** Deletes on the target the copy whose description line starts with `prefix`. */
      const deleteCopy = async (prefix: string) => {
        const objects = await server.listObjects(targetUrl);
        const found = objects.filter((o) => describeCopies([o])[0].startsWith(prefix));
        assert.equal(found.length, 1, prefix);
        await server.deleteObject(targetUrl, found[0].href.split('/').pop()!);
        return found[0];
      };
      return { sourceUrl, targetUrl, sync, copies, deleteCopy };
    }

    test('recreate (the default): a copy deleted on the target comes back', async () => {
      const pair = await newPair();
      await pair.deleteCopy('holiday@test');
      const run = await pair.sync();
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.deepEqual(summaryCounts(run.stdout), { created: 1, updated: 0, deleted: 0, unchanged: 7, retired: 0, skipped: 0, failed: 0 });
      assert.deepEqual(await pair.copies(), ALL);
    });

    test('respect: a copy deleted on the target stays deleted until the source occurrence changes', async () => {
      const pair = await newPair();
      await pair.deleteCopy('holiday@test');
      const run = await pair.sync('--target-deletions', 'respect');
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.match(run.stdout, /0 failed, 1 kept deleted;/);
      const withoutHoliday = ALL.filter((line) => line !== HOLIDAY);
      assert.deepEqual(await pair.copies(), withoutHoliday);
      const again = await pair.sync('--target-deletions', 'respect');
      assert.deepEqual(summaryCounts(again.stdout), { created: 0, updated: 0, deleted: 0, unchanged: 8, retired: 0, skipped: 0, failed: 0 });
      assert.deepEqual(await pair.copies(), withoutHoliday);
      await server.putObject(pair.sourceUrl, 'holiday.ics', fixture('holiday.ics').replace('SUMMARY:Company holiday', 'SUMMARY:Company holiday (two days)'));
      const changed = await pair.sync('--target-deletions', 'respect');
      assert.deepEqual(summaryCounts(changed.stdout), { created: 1, updated: 0, deleted: 0, unchanged: 7, retired: 0, skipped: 0, failed: 0 });
      assert.deepEqual(await pair.copies(), [...withoutHoliday, 'holiday@test | Company holiday (two days) | 20261015 | 20261017'].sort());
    });

    test('propagate: a deleted copy deletes a single event in the source, and an EXDATE on the series for an occurrence', async () => {
      const pair = await newPair();
      await pair.deleteCopy('holiday@test');
      await pair.deleteCopy('standup@test 20261012T073000Z');
      await pair.deleteCopy('standup@test 20261021T073000Z');
      // 3 of 8 is more than the default guard of 25%: that guard has its own test.
      const run = await pair.sync('--target-deletions', 'propagate', '--max-delete-percent', '50');
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.match(run.stdout, /0 failed, 3 deleted in the source;/);
      const source = await server.listObjects(pair.sourceUrl);
      assert.deepEqual(source.map((o) => o.href.split('/').pop()), ['standup.ics']);
      const calendar = new ICAL.Component(ICAL.parse(source[0].data) as unknown[]);
      const vevents = calendar.getAllSubcomponents('vevent');
      assert.equal(vevents.length, 1, 'the override of Oct 21 is gone with its occurrence');
      const exdates = vevents[0].getAllProperties('exdate').flatMap((p) => p.getValues().map((v) => (v as ICAL.Time).toICALString() + (p.getParameter('tzid') ? `[${p.getParameter('tzid')}]` : '')));
      assert.deepEqual(exdates.sort(), ['20261012T073000Z', '20261014T093000[Europe/Berlin]', '20261021T073000Z']);
      const expected = ALL.filter((line) => line !== HOLIDAY && !line.startsWith('standup@test 20261012') && !line.startsWith('standup@test 20261021'));
      assert.deepEqual(await pair.copies(), expected);
      const quiet = await pair.sync('--target-deletions', 'propagate');
      assert.equal(quiet.code, 0, quiet.stdout + quiet.stderr);
      assert.deepEqual(summaryCounts(quiet.stdout), { created: 0, updated: 0, deleted: 0, unchanged: 5, retired: 0, skipped: 0, failed: 0 });
      assert.deepEqual(await pair.copies(), expected);
    });

    test('propagate: an edit made in the source meanwhile makes the write fail (412), is never overwritten, and the next run does both', async () => {
      let proxy!: CountingProxy;
      proxy = await startCountingProxy(server.baseUrl);
      try {
        const pair = await newPair((url) => new URL(new URL(url).pathname, proxy.url).href);
        await pair.deleteCopy('standup@test 20261012T073000Z');
        // Someone edits the series right after the tool has checked the source for changes.
        let edited = false;
        proxy.onAnswer = async ({ method }) => {
          if (method !== 'REPORT' || edited) return;
          edited = true;
          await server.putObject(pair.sourceUrl, 'standup.ics', fixture('standup.ics').replace('SUMMARY:Stand-up\r\n', 'SUMMARY:Daily stand-up\r\n').replace('SUMMARY:Stand-up\n', 'SUMMARY:Daily stand-up\n'));
        };
        const raced = await pair.sync('--target-deletions', 'propagate');
        proxy.onAnswer = undefined;
        assert.equal(raced.code, 1, raced.stdout + raced.stderr);
        assert.match(raced.stdout, /FAILED propagate standup@test @ 20261012T073000Z .*\): the object changed on the source since it was read \(HTTP 412\); it is retried next run$/m);
        const [standup] = (await server.listObjects(pair.sourceUrl)).filter((o) => o.href.endsWith('standup.ics'));
        assert.match(standup.data, /SUMMARY:Daily stand-up/);
        assert.doesNotMatch(standup.data, /20261012T073000Z/);

        const healed = await pair.sync('--target-deletions', 'propagate');
        assert.equal(healed.code, 0, healed.stdout + healed.stderr);
        assert.match(healed.stdout, /5 updated, .*1 deleted in the source;/);
        const [after] = (await server.listObjects(pair.sourceUrl)).filter((o) => o.href.endsWith('standup.ics'));
        assert.match(after.data, /SUMMARY:Daily stand-up/);
        assert.match(after.data, /EXDATE:20261012T073000Z/);
        const renamed = (line: string) => line.replace('| Stand-up |', '| Daily stand-up |');
        assert.deepEqual(await pair.copies(), ALL.filter((line) => !line.startsWith('standup@test 20261012')).map(renamed));
      } finally {
        await proxy.close();
      }
    });

    test('a copy edited on the target between listing and writing makes the update fail (412); the next run overwrites it with If-Match', async () => {
      const proxy = await startCountingProxy(server.baseUrl);
      try {
        const pair = await newPair(undefined, (url) => new URL(new URL(url).pathname, proxy.url).href);
        proxy.reset();
        await server.putObject(pair.sourceUrl, 'holiday.ics', fixture('holiday.ics').replace('SUMMARY:Company holiday', 'SUMMARY:Company holiday (source)'));
        const [copy] = (await server.listObjects(pair.targetUrl)).filter((o) => describeCopies([o])[0].startsWith('holiday@test'));
        // Someone edits the copy right after the tool has listed the target.
        proxy.onAnswer = async ({ method }) => {
          if (method !== 'REPORT') return;
          proxy.onAnswer = undefined;
          await server.putObject(pair.targetUrl, copy.href.split('/').pop()!, copy.data.replace('SUMMARY:Company holiday', 'SUMMARY:Company holiday (edited meanwhile)'));
        };
        const raced = await pair.sync();
        assert.equal(raced.code, 1, raced.stdout + raced.stderr);
        assert.match(raced.stdout, /FAILED update holiday@test -> \S+ \(the source occurrence changed\): the object changed on the target since it was read \(HTTP 412\); it is retried next run$/m);
        assert.deepEqual(proxy.counts(), { REPORT: 1, PUT: 1 }, 'one conditional PUT, never a second unconditional one');
        assert.deepEqual(await pair.copies(), ALL.map((line) => line.replace('| Company holiday |', '| Company holiday (edited meanwhile) |')));
        const healed = await pair.sync();
        assert.equal(healed.code, 0, healed.stdout + healed.stderr);
        assert.match(healed.stdout, /update holiday@test -> \S+ \(the copy was changed on the target; overwritten \(the source wins\)\)/);
        assert.deepEqual(await pair.copies(), ALL.map((line) => line.replace('| Company holiday |', '| Company holiday (source) |')));
      } finally {
        await proxy.close();
      }
    });

    test('keep: a copy edited on the target is left as edited and reported on every run; overwrite puts the source back', async () => {
      const pair = await newPair();
      const [copy] = (await server.listObjects(pair.targetUrl)).filter((o) => describeCopies([o])[0].startsWith('standup@test 20261005'));
      await server.putObject(pair.targetUrl, copy.href.split('/').pop()!, copy.data.replace('SUMMARY:Stand-up', 'SUMMARY:Stand-up (my notes)'));
      const edited = ALL.map((line) => (line.startsWith('standup@test 20261005') ? line.replace('| Stand-up |', '| Stand-up (my notes) |') : line));
      for (let run = 0; run < 2; run++) {
        const kept = await pair.sync('--target-edits', 'keep');
        assert.equal(kept.code, 0, kept.stdout + kept.stderr);
        assert.match(kept.stdout, /conflict standup@test @ 20261005T073000Z -> \S+ \(the copy was changed on the target since the last run; kept as it is \(TARGET_EDITS=keep\)\)/);
        assert.match(kept.stdout, /0 failed, 1 conflicts;/);
        assert.deepEqual(await pair.copies(), edited);
      }
      const overwritten = await pair.sync();
      assert.deepEqual(summaryCounts(overwritten.stdout), { created: 0, updated: 1, deleted: 0, unchanged: 7, retired: 0, skipped: 0, failed: 0 });
      assert.deepEqual(await pair.copies(), ALL);
    });
  });
}
