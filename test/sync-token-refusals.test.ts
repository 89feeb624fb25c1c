// A sync token the server no longer takes (400, 403, 409 or 418 valid-sync-token, 500), a sync-collection
// truncated with 507, and a sync-collection refused as over the server's limit (507
// number-of-matches-within-limits), emulated by the fault proxy in front of real Radicale and
// Xandikos on both sides of a pair: the run lists each side in full instead, finds the change and
// the deletion in the source, and ends with exactly the right target; the run after it finds nothing to do.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SERVER_KINDS } from './harness/caldav-servers.ts';
import type { FaultProxy } from './harness/fault-proxy.ts';
import { CHANGED_COPIES, FIRST_COPIES, proxiedPairs, runCounts } from './harness/proxied-pair.ts';
import { summaryCounts } from './harness/run-cli.ts';

/** Per side: the refused sync-collection from the token, then one from no token, which lists all. */
const RELISTED = { 'REPORT sync-collection': 4, 'REPORT calendar-multiget': 1, 'PUT if-match': 1, 'DELETE if-match': 1 };
/** Per side: sync-collection refused from the token and from none; getctag, then a listing by calendar-query. */
const LISTED_BY_QUERY = { 'REPORT sync-collection': 4, PROPFIND: 2, 'REPORT calendar-query': 2, 'REPORT calendar-multiget': 1, 'PUT if-match': 1, 'DELETE if-match': 1 };

const CTAGS_COMPARED = { PROPFIND: 2, 'REPORT calendar-query': 1 };

const OVER_LIMIT = {
  kind: 'answer' as const,
  status: 507,
  headers: { 'content-type': 'application/xml; charset=utf-8' },
  body: '<?xml version="1.0" encoding="utf-8"?><D:error xmlns:D="DAV:"><D:number-of-matches-within-limits/></D:error>',
};

const CASES: Array<{ name: string; refuse: (proxy: FaultProxy) => void; seen: Record<string, number>; quiet: Record<string, number> }> = [
  ...([400, 403, 409, 418, 500] as const).map((status) => ({
    name: `a sync token refused with ${status}`,
    refuse: (proxy: FaultProxy) => {
      proxy.refuseSyncTokens = true;
      proxy.refuseSyncTokensWith = status;
    },
    seen: RELISTED,
    quiet: { 'REPORT sync-collection': 2 },
  })),
  // What a server could not answer in full is not asked again: the next runs compare getctags. The
  // target's moved with the run's own writes after it was read, so the target is listed once more.
  { name: 'every sync-collection truncated with 507', refuse: (proxy) => (proxy.syncCollectionLimit = 1), seen: LISTED_BY_QUERY, quiet: CTAGS_COMPARED },
  { name: 'every sync-collection refused as over the limit (507)', refuse: (proxy) => proxy.rules.push({ kind: 'REPORT sync-collection', fault: OVER_LIMIT }), seen: LISTED_BY_QUERY, quiet: CTAGS_COMPARED },
];

for (const kind of SERVER_KINDS) {
  describe(`refused and truncated sync-collections on ${kind}`, () => {
    const { startPair } = proxiedPairs(kind);

    for (const { name, refuse, seen, quiet } of CASES) {
      test(`${name}: both sides listed in full, the change and the deletion found, exact target`, async () => {
        const pair = await startPair(name.replace(/\W+/g, '-'));
        try {
          const first = await pair.sync();
          assert.equal(first.run.code, 0, first.run.stdout + first.run.stderr);
          assert.deepEqual(await pair.target(), FIRST_COPIES);

          await pair.changeSource();
          refuse(pair.proxy);
          const refused = await pair.sync();
          assert.equal(refused.run.code, 0, refused.run.stdout + refused.run.stderr);
          assert.deepEqual(summaryCounts(refused.run.stdout), runCounts({ updated: 1, deleted: 1, unchanged: 7 }), refused.run.stdout);
          assert.deepEqual(refused.seen, seen);
          assert.deepEqual(await pair.target(), CHANGED_COPIES);

          // A refused token is a one-off (the next is fresh); a server that truncates goes on doing it.
          pair.proxy.refuseSyncTokens = false;
          const after = await pair.sync();
          assert.equal(after.run.code, 0, after.run.stdout + after.run.stderr);
          assert.deepEqual(summaryCounts(after.run.stdout), runCounts({ unchanged: 8 }), after.run.stdout);
          assert.deepEqual(after.seen, quiet);
        } finally {
          await pair.close();
        }
      });
    }
  });
}
