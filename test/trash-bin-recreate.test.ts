// A copy deleted on the target is made again under a UID and href it never had: Nextcloud keeps
// deleted objects in a trash bin and refuses to store a deleted UID (or file name) again
// (nextcloud/server#30096, #42582). Emulated by a relay in front of real Radicale and Xandikos that
// answers such a PUT as Nextcloud does.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SERVER_KINDS, startServer, type CaldavServer } from './harness/caldav-servers.ts';
import { describeCopies } from './harness/describe-copies.ts';
import { HOLIDAY_COPY, STANDUP_COPIES } from './harness/fixture-copies.ts';
import { startRelay, type Relay } from './harness/relay-proxy.ts';
import { runOnCalendars, summaryCounts } from './harness/run-cli.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/caldav/${name}`, import.meta.url), 'utf8');
const uidOf = (ics: string) => /^UID:(.*)$/m.exec(ics)![1].trim();
const TRASH_BIN_REFUSAL =
  '<?xml version="1.0" encoding="utf-8"?>\n<d:error xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns">\n  <s:exception>Sabre\\DAV\\Exception\\BadRequest</s:exception>\n  <s:message>Deleted calendar object with uid already exists in this calendar collection.</s:message>\n</d:error>\n';

for (const kind of SERVER_KINDS) {
  describe(`a copy deleted on the target, with a trash bin like Nextcloud's, on ${kind}`, () => {
    let server: CaldavServer;
    let relay: Relay;
    let work: string;
    let sourceUrl: string;
    let targetUrl: string;
    /** The UIDs and file names of objects deleted on the target: the trash bin. */
    const trash = { uids: new Set<string>(), names: new Set<string>() };
    const sync = () => runOnCalendars({ server, source: sourceUrl, target: relay.url, db: join(work, 'sync.db') }, []);
    const deleteCopyOf = async (line: string) => {
      const copy = (await server.listObjects(targetUrl)).find((o) => describeCopies([o])[0] === line)!;
      const name = copy.href.split('/').pop()!;
      await server.deleteObject(targetUrl, name);
      trash.uids.add(uidOf(copy.data));
      trash.names.add(name);
      return uidOf(copy.data);
    };

    before(async () => {
      work = mkdtempSync(join(tmpdir(), 'calsync-trash-'));
      server = await startServer(kind);
      sourceUrl = await server.createCalendar('work', 'Work');
      targetUrl = await server.createCalendar('mirror', 'Mirror');
      for (const name of ['standup.ics', 'holiday.ics']) await server.putObject(sourceUrl, name, fixture(name));
      relay = await startRelay(targetUrl, {
        before: (request) => {
          if (request.method !== 'PUT') return;
          const name = decodeURIComponent(request.path.split('/').pop() ?? '');
          if (trash.names.has(name) || trash.uids.has(uidOf(request.body.toString('utf8')))) {
            return { status: 400, headers: { 'content-type': 'application/xml; charset=utf-8' }, body: Buffer.from(TRASH_BIN_REFUSAL) };
          }
        },
      });
      const first = await sync();
      assert.equal(first.code, 0, first.stdout + first.stderr);
    });
    after(async () => {
      await relay?.close();
      await server?.stop();
      rmSync(work, { recursive: true, force: true });
    });

    test('the copy is made again under a new UID and file name, which the trash bin does not refuse', async () => {
      const deletedUid = await deleteCopyOf(HOLIDAY_COPY);
      const run = await sync();
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.deepEqual(summaryCounts(run.stdout), { created: 1, updated: 0, deleted: 0, unchanged: 7, retired: 0, skipped: 0, failed: 0 });
      const copies = await server.listObjects(targetUrl);
      assert.deepEqual(describeCopies(copies), [HOLIDAY_COPY, ...STANDUP_COPIES].sort());
      const holiday = copies.find((o) => describeCopies([o])[0] === HOLIDAY_COPY)!;
      assert.equal(uidOf(holiday.data), `${deletedUid}-r2`);
      assert.equal(holiday.href.split('/').pop(), `${deletedUid}-r2.ics`);
    });

    test('deleted again, it is made under the next generation; then a run writes nothing', async () => {
      const deletedUid = await deleteCopyOf(HOLIDAY_COPY);
      const run = await sync();
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.deepEqual(summaryCounts(run.stdout), { created: 1, updated: 0, deleted: 0, unchanged: 7, retired: 0, skipped: 0, failed: 0 });
      const holiday = (await server.listObjects(targetUrl)).find((o) => describeCopies([o])[0] === HOLIDAY_COPY)!;
      assert.equal(uidOf(holiday.data), deletedUid.replace(/-r2$/, '-r3'));
      const quiet = await sync();
      assert.equal(quiet.code, 0, quiet.stdout + quiet.stderr);
      assert.deepEqual(summaryCounts(quiet.stdout), { created: 0, updated: 0, deleted: 0, unchanged: 8, retired: 0, skipped: 0, failed: 0 });
    });
  });
}
