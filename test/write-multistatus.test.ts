// Writes answered with a 207 multistatus (as Xandikos may), emulated by the fault proxy in front of
// real Radicale and Xandikos: the status inside decides. A 2xx inside is done; a 412 inside is a
// refusal, recorded and done by the next run, never taken for success; and a write sent again after
// its answer was lost meets its own first attempt inside the 207 (412, 404), which is done.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SERVER_KINDS } from './harness/caldav-servers.ts';
import { CHANGED_COPIES, FIRST_COPIES, proxiedPairs, runCounts } from './harness/proxied-pair.ts';
import { summaryCounts } from './harness/run-cli.ts';

/** A 207 for a write with `status` inside, as a server that answers writes so would send it. */
const multistatus = (status: number) => ({
  kind: 'answer' as const,
  status: 207,
  headers: { 'content-type': 'application/xml; charset=utf-8' },
  body: `<?xml version="1.0" encoding="utf-8"?><D:multistatus xmlns:D="DAV:"><D:response><D:href>/x.ics</D:href><D:status>HTTP/1.1 ${status} Precondition Failed</D:status></D:response></D:multistatus>`,
});

/** A line of a run's output without its leading time stamp. */
const failures = (stdout: string) => stdout.trim().split('\n').map((line) => line.replace(/^\S+ /, '')).filter((line) => line.startsWith('FAILED'));

for (const kind of SERVER_KINDS) {
  describe(`writes answered 207 on ${kind}`, () => {
    const { startPair } = proxiedPairs(kind);

    test('a 2xx inside is done: a first sync, a change, a deletion and a quiet run end exactly right', async () => {
      const pair = await startPair('ok207');
      try {
        pair.proxy.writesAs207 = true;
        const first = await pair.sync();
        assert.equal(first.run.code, 0, first.run.stdout + first.run.stderr);
        assert.deepEqual(summaryCounts(first.run.stdout), runCounts({ created: 9 }), first.run.stdout);
        assert.deepEqual(await pair.target(), FIRST_COPIES);

        await pair.changeSource();
        const second = await pair.sync();
        assert.equal(second.run.code, 0, second.run.stdout + second.run.stderr);
        assert.deepEqual(summaryCounts(second.run.stdout), runCounts({ updated: 1, deleted: 1, unchanged: 7 }), second.run.stdout);
        assert.deepEqual(await pair.target(), CHANGED_COPIES);

        await pair.runsQuiet();
      } finally {
        await pair.close();
      }
    });

    test('a 412 inside a 207 answering an update or a delete is a refusal: both fail with the reason, exit 1, and the next run does them', async () => {
      const pair = await startPair('refused207');
      try {
        assert.equal((await pair.sync()).run.code, 0);
        await pair.changeSource();
        pair.proxy.rules = [
          { kind: 'PUT if-match', times: 1, fault: multistatus(412) },
          { kind: 'DELETE if-match', times: 1, fault: multistatus(412) },
        ];
        const refused = await pair.sync();
        assert.equal(refused.run.code, 1, refused.run.stdout + refused.run.stderr);
        assert.deepEqual(summaryCounts(refused.run.stdout), runCounts({ unchanged: 7, failed: 2 }), refused.run.stdout);
        assert.deepEqual(
          failures(refused.run.stdout).map((line) => line.replace(/^FAILED (\w+) .*: (the object changed .*)$/, '$1: $2')),
          ['update: the object changed on the target since it was read (HTTP 412); it is retried next run', 'delete: the object changed on the target since it was read (HTTP 412); it is retried next run'],
          refused.run.stdout,
        );
        assert.deepEqual(await pair.target(), FIRST_COPIES);

        pair.proxy.rules = [];
        const next = await pair.sync();
        assert.equal(next.run.code, 0, next.run.stdout + next.run.stderr);
        assert.deepEqual(summaryCounts(next.run.stdout), runCounts({ updated: 1, deleted: 1, unchanged: 7 }), next.run.stdout);
        assert.deepEqual(await pair.target(), CHANGED_COPIES);
      } finally {
        await pair.close();
      }
    });

    test('a write whose 207 was lost, sent again, meets its own first attempt inside the 207 (412 on a create or an update, 404 on a delete): done, once', async () => {
      const pair = await startPair('repeat207');
      try {
        pair.proxy.writesAs207 = true;
        pair.proxy.rules = [{ kind: 'PUT create', times: 1, fault: { kind: 'drop-answer' } }];
        const first = await pair.sync();
        assert.equal(first.run.code, 0, first.run.stdout + first.run.stderr);
        assert.deepEqual(summaryCounts(first.run.stdout), runCounts({ created: 9 }), first.run.stdout);
        assert.deepEqual([first.seen['PUT create'], first.seen.GET], [10, 1]);
        assert.deepEqual(await pair.target(), FIRST_COPIES);

        await pair.changeSource();
        pair.proxy.rules = [
          { kind: 'PUT if-match', times: 1, fault: { kind: 'drop-answer' } },
          { kind: 'DELETE if-match', times: 1, fault: { kind: 'drop-answer' } },
        ];
        const second = await pair.sync();
        assert.equal(second.run.code, 0, second.run.stdout + second.run.stderr);
        assert.deepEqual(summaryCounts(second.run.stdout), runCounts({ updated: 1, deleted: 1, unchanged: 7 }), second.run.stdout);
        assert.deepEqual([second.seen['PUT if-match'], second.seen['DELETE if-match']], [2, 2]);
        assert.deepEqual(await pair.target(), CHANGED_COPIES);
      } finally {
        await pair.close();
      }
    });
  });
}
