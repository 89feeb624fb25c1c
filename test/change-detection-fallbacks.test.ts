// Servers without sync-collection, and without getctag too, emulated by a proxy in front of real
// Radicale: changes are still found, and a run with nothing to do still costs one request per side.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startServer, type CaldavServer } from './harness/caldav-servers.ts';
import { startCountingProxy, type CountingProxy } from './harness/counting-proxy.ts';
import { describeCopies } from './harness/describe-copies.ts';
import { runCli, summaryCounts } from './harness/run-cli.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/caldav/${name}`, import.meta.url), 'utf8');

let server: CaldavServer;
let proxy: CountingProxy;
let work: string;
let sourceUrl: string;
let targetUrl: string;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'calsync-fallback-'));
  server = await startServer('radicale');
  sourceUrl = await server.createCalendar('work', 'Work');
  targetUrl = await server.createCalendar('mirror', 'Mirror');
  await server.putObject(sourceUrl, 'holiday.ics', fixture('holiday.ics'));
  await server.putObject(sourceUrl, 'ny-call.ics', fixture('ny-call.ics'));
  proxy = await startCountingProxy(server.baseUrl);
});
after(async () => {
  await proxy?.close();
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** One sync through the proxy; returns the run and the requests the proxy saw, by method. The calendars are
 *  tiny, so one deletion is a large share of them: the deletion guard is not what these tests are about. */
async function sync() {
  proxy.reset();
  const via = (url: string) => new URL(new URL(url).pathname, proxy.url).href;
  const run = await runCli(
    ['--source', via(sourceUrl), '--source-username', 'test', '--target', via(targetUrl), '--target-username', 'test', '--from', '2026-10-01', '--to', '2026-11-01', '--db', join(work, 'sync.db'), '--max-delete-percent', '100'],
    { env: { SOURCE_PASSWORD: 'test', TARGET_PASSWORD: 'test' } },
  );
  assert.equal(run.code, 0, run.stdout + run.stderr);
  return { counts: summaryCounts(run.stdout), requests: proxy.counts() };
}

test('with getctag but no sync-collection, a quiet run costs one PROPFIND per side, and a change is found', async () => {
  proxy.features = 'ctag-only';
  const first = await sync();
  assert.deepEqual(first.counts, { created: 2, updated: 0, deleted: 0, unchanged: 0, retired: 0, skipped: 0, failed: 0 });
  // Per side: a PROPFIND that finds the calendar (remembered after), the refused sync-collection, getctag,
  // the ETag listing; and the source's two objects in one multiget. After creating, the target's getctag
  // (moved by our own writes) and its listing once more, so that nothing is downloaded next time.
  assert.deepEqual(first.requests, { REPORT: 6, PROPFIND: 5, PUT: 2 });
  assert.deepEqual((await sync()).requests, { PROPFIND: 2 });
  assert.deepEqual((await sync()).requests, { PROPFIND: 2 });

  await server.putObject(sourceUrl, 'holiday.ics', fixture('holiday.ics').replace('SUMMARY:Company holiday', 'SUMMARY:Company holiday (ctag)'));
  const changed = await sync();
  assert.deepEqual(changed.counts, { created: 0, updated: 1, deleted: 0, unchanged: 1, retired: 0, skipped: 0, failed: 0 });
  assert.deepEqual(changed.requests, { PROPFIND: 2, REPORT: 2, PUT: 1 });
});

test('with neither sync-collection nor getctag, a quiet run costs one listing per side, and changes are found', async () => {
  proxy.features = 'plain';
  await sync(); // the getctag the state remembers is gone: it learns that once
  assert.deepEqual((await sync()).requests, { REPORT: 2 });

  await server.deleteObject(sourceUrl, 'ny-call.ics');
  const changed = await sync();
  assert.deepEqual(changed.counts, { created: 0, updated: 0, deleted: 1, unchanged: 1, retired: 0, skipped: 0, failed: 0 });
  assert.deepEqual(changed.requests, { REPORT: 2, DELETE: 1 });
  assert.deepEqual(describeCopies(await server.listObjects(targetUrl)), ['holiday@test | Company holiday (ctag) | 20261015 | 20261017']);
});
