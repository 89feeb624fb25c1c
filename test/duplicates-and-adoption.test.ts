// Duplicates and earlier copies against real Radicale and Xandikos: on a pair's first run the
// Python tool's copies are adopted in place (no second copy); a stray extra copy of this tool is
// deleted; foreign duplicates are reported, and deleted only with --dedupe-foreign.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SERVER_KINDS, startServer, type CaldavServer } from './harness/caldav-servers.ts';
import { describeCopies } from './harness/describe-copies.ts';
import { HOLIDAY_COPY, STANDUP_COPIES } from './harness/fixture-copies.ts';
import { runOnCalendars, summaryCounts } from './harness/run-cli.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/caldav/${name}`, import.meta.url), 'utf8');

const event = (uid: string, summary: string, start: string, end: string, extra: string[] = []) =>
  ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//python-sync//EN', 'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20260901T000000Z', `DTSTART:${start}`, `DTEND:${end}`, `SUMMARY:${summary}`, ...extra, 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');

/** The Python tool's copies: UTC times, the source's UID, or a UID of its own. */
const PYTHON_COPIES = [
  { name: 'py-holiday.ics', ics: event('holiday@test', 'Company holiday', '20261015', '20261017').replace(/DTSTART:(\d{8})\r\nDTEND:(\d{8})/, 'DTSTART;VALUE=DATE:$1\r\nDTEND;VALUE=DATE:$2') },
  { name: 'py-standup-1005.ics', ics: event('standup@test', 'Stand-up', '20261005T073000Z', '20261005T074500Z') },
  { name: 'py-standup-1007.ics', ics: event('python-7f3a', 'Stand-up', '20261007T073000Z', '20261007T074500Z') },
];
const LUNCH_OLD = event('lunch-1@me', 'Lunch', '20261020T110000Z', '20261020T120000Z', ['CREATED:20260801T000000Z']);
const LUNCH_NEW = event('lunch-2@me', 'Lunch', '20261020T110000Z', '20261020T120000Z', ['CREATED:20260802T000000Z']);

const HOLIDAY = HOLIDAY_COPY;
const STANDUPS = STANDUP_COPIES;
const LUNCHES = ['foreign:lunch-1@me | Lunch | 20261020T110000Z | 20261020T120000Z', 'foreign:lunch-2@me | Lunch | 20261020T110000Z | 20261020T120000Z'];

for (const kind of SERVER_KINDS) {
  describe(`duplicates and earlier copies on ${kind}`, () => {
    let server: CaldavServer;
    let work: string;
    let targetUrl: string;
    let sync: (...extra: string[]) => ReturnType<typeof runOnCalendars>;
    let lunchesBefore: Array<{ href: string; etag: string | null; data: string }>;

    before(async () => {
      work = mkdtempSync(join(tmpdir(), 'calsync-duplicates-'));
      server = await startServer(kind);
      const sourceUrl = await server.createCalendar('work', 'Work');
      targetUrl = await server.createCalendar('kerio', 'Kerio');
      await server.putObject(sourceUrl, 'standup.ics', fixture('standup.ics'));
      await server.putObject(sourceUrl, 'holiday.ics', fixture('holiday.ics'));
      for (const { name, ics } of PYTHON_COPIES) await server.putObject(targetUrl, name, ics);
      await server.putObject(targetUrl, 'lunch-1.ics', LUNCH_OLD);
      await server.putObject(targetUrl, 'lunch-2.ics', LUNCH_NEW);
      lunchesBefore = (await server.listObjects(targetUrl)).filter((o) => o.href.includes('lunch-'));
      sync = (...extra: string[]) => runOnCalendars({ server, source: sourceUrl, target: targetUrl, db: join(work, 'sync.db') }, extra);
    });
    after(async () => {
      await server?.stop();
      rmSync(work, { recursive: true, force: true });
    });

    test("the first run adopts the Python tool's copies in place, keeping their hrefs and UIDs, and makes no second copy", async () => {
      const run = await sync();
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.deepEqual(summaryCounts(run.stdout), { created: 5, updated: 3, deleted: 0, unchanged: 0, retired: 0, skipped: 0, failed: 0 });
      assert.match(run.stdout, /report .*lunch-2\.ics \(a foreign object that is the same event \(same SUMMARY and start\) as \S+lunch-1\.ics; left alone/);
      assert.deepEqual(describeCopies(await server.listObjects(targetUrl)), [HOLIDAY, ...STANDUPS, ...LUNCHES].sort());
      const byName = new Map((await server.listObjects(targetUrl)).map((o) => [o.href.split('/').pop()!, o.data]));
      assert.match(byName.get('py-holiday.ics')!, /^UID:holiday@test\r?$/m);
      assert.match(byName.get('py-standup-1005.ics')!, /^UID:standup@test\r?$/m);
      assert.match(byName.get('py-standup-1007.ics')!, /^UID:python-7f3a\r?$/m);
      assert.match(byName.get('py-standup-1007.ics')!, /^X-CALSYNC-SOURCE-UID:standup@test\r?$/m);
      assert.deepEqual((await server.listObjects(targetUrl)).filter((o) => o.href.includes('lunch-')), lunchesBefore, 'foreign objects untouched');
    });

    test('the next run writes nothing, and reports the foreign duplicate again', async () => {
      const run = await sync();
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.deepEqual(summaryCounts(run.stdout), { created: 0, updated: 0, deleted: 0, unchanged: 8, retired: 0, skipped: 0, failed: 0 });
      assert.match(run.stdout, /report .*lunch-2\.ics/);
    });

    test('a stray extra copy of this tool is deleted; the mapped one stays', async () => {
      const [original] = (await server.listObjects(targetUrl)).filter((o) => describeCopies([o])[0] === STANDUPS[2]);
      await server.putObject(targetUrl, 'stray.ics', original.data.replace(/^UID:.*$/m, 'UID:calsync-stray-copy'));
      const run = await sync();
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.deepEqual(summaryCounts(run.stdout), { created: 0, updated: 0, deleted: 1, unchanged: 8, retired: 0, skipped: 0, failed: 0 });
      assert.match(run.stdout, new RegExp(`discard standup@test @ 20261012T073000Z -> \\S+stray\\.ics \\(a duplicate: another copy of the same occurrence as \\S+${original.href.split('/').pop()!.replace('.', '\\.')}, which is kept\\)`));
      assert.deepEqual(describeCopies(await server.listObjects(targetUrl)), [HOLIDAY, ...STANDUPS, ...LUNCHES].sort());
    });

    test('with --dedupe-foreign the newer foreign duplicate is deleted and the older kept', async () => {
      const run = await sync('--dedupe-foreign');
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.deepEqual(summaryCounts(run.stdout), { created: 0, updated: 0, deleted: 1, unchanged: 8, retired: 0, skipped: 0, failed: 0 });
      assert.deepEqual(describeCopies(await server.listObjects(targetUrl)), [HOLIDAY, ...STANDUPS, LUNCHES[0]].sort());
    });
  });
}
