// Writes answered without an ETag, or with a weak (W/"...") or unquoted one, emulated by the fault
// proxy in front of real Radicale and Xandikos: the ETag kept for the next conditional write is the
// true one, read back with one PROPFIND, so the update that follows a change in the source is made
// in place with If-Match, with no 412 and no second copy.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SERVER_KINDS } from './harness/caldav-servers.ts';
import { CHANGED_COPIES, FIRST_COPIES, proxiedPairs, runCounts } from './harness/proxied-pair.ts';
import { summaryCounts } from './harness/run-cli.ts';

const FORMS = ['none', 'weak', 'unquoted'] as const;

for (const kind of SERVER_KINDS) {
  describe(`ETags of writes on ${kind}`, () => {
    const { startPair } = proxiedPairs(kind);

    for (const form of FORMS) {
      test(`ETag ${form === 'none' ? 'missing' : form}: each write's ETag is read back once, and the next update and delete are made in place with no 412`, async () => {
        const pair = await startPair(`etag-${form}`);
        try {
          if (form === 'none') pair.proxy.stripEtags = true;
          else pair.proxy.etagForm = form;
          const first = await pair.sync();
          assert.equal(first.run.code, 0, first.run.stdout + first.run.stderr);
          assert.deepEqual(summaryCounts(first.run.stdout), runCounts({ created: 9 }), first.run.stdout);
          // Two PROPFINDs find the calendars; one per copy reads its ETag back.
          assert.deepEqual([first.seen['PUT create'], first.seen.PROPFIND], [9, 2 + 9]);
          assert.deepEqual(await pair.target(), FIRST_COPIES);

          await pair.changeSource();
          const second = await pair.sync();
          assert.equal(second.run.code, 0, second.run.stdout + second.run.stderr);
          assert.deepEqual(summaryCounts(second.run.stdout), runCounts({ updated: 1, deleted: 1, unchanged: 7 }), second.run.stdout);
          assert.deepEqual(second.seen, { 'REPORT sync-collection': 2, 'REPORT calendar-multiget': 1, 'PUT if-match': 1, PROPFIND: 1, 'DELETE if-match': 1 });
          assert.deepEqual(await pair.target(), CHANGED_COPIES);

          await pair.runsQuiet();
        } finally {
          await pair.close();
        }
      });
    }
  });
}
