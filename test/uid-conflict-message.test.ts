// Servers that allow a UID once per account (iCloud, Cyrus) refuse a copy whose UID another of the
// account's calendars holds: 403 with CalDAV's no-uid-conflict precondition (Cyrus names
// unique-scheduling-object-resource), or a bare 412 on a create. Emulated by the fault proxy in
// front of real Radicale: the run names the likely cause and what to do, exactly, fails only that
// copy, and the next run makes it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Fault } from './harness/fault-proxy.ts';
import { FIRST_COPIES, proxiedPairs, runCounts } from './harness/proxied-pair.ts';
import { summaryCounts } from './harness/run-cli.ts';

const counts = (created: number, failed: number) => runCounts({ created, unchanged: 9 - created - failed, failed });

const ELSEWHERE = '/test/other-calendar/moved.ics';
const NO_UID_CONFLICT: Fault = {
  kind: 'answer',
  status: 403,
  headers: { 'content-type': 'application/xml; charset=utf-8' },
  body: `<?xml version="1.0" encoding="utf-8"?><D:error xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><C:no-uid-conflict><D:href>${ELSEWHERE}</D:href></C:no-uid-conflict></D:error>`,
};

const { startPair } = proxiedPairs('radicale');

/** The one FAILED line of a run: the copy's UID (from its href) and the reason. */
function failure(stdout: string): { uid: string; reason: string } {
  const failed = stdout.split('\n').filter((line) => / FAILED create /.test(line));
  assert.equal(failed.length, 1, stdout);
  const match = / -> \S+\/(calsync-[0-9a-f]+)\.ics \([^)]*\): (.*)$/.exec(failed[0]);
  assert.ok(match, failed[0]);
  return { uid: match[1], reason: match[2] };
}

const CASES: Array<{ name: string; fault: Fault; reason: (uid: string) => string }> = [
  {
    name: '403 no-uid-conflict naming the object',
    fault: NO_UID_CONFLICT,
    reason: (uid) =>
      `the target refused to create the copy (HTTP 403, no-uid-conflict): an event with its UID ${uid} already exists at ${ELSEWHERE} in another calendar of this account ` +
      '(iCloud and Cyrus allow a UID once per account); a copy moved to another calendar keeps its UID: delete that event or move it back, then run again',
  },
  {
    name: "403 unique-scheduling-object-resource (Cyrus's name for it)",
    fault: { ...NO_UID_CONFLICT, body: '<?xml version="1.0" encoding="utf-8"?><D:error xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><C:unique-scheduling-object-resource/></D:error>' },
    reason: (uid) =>
      `the target refused to create the copy (HTTP 403, unique-scheduling-object-resource): an event with its UID ${uid} already exists in another calendar of this account ` +
      '(iCloud and Cyrus allow a UID once per account); a copy moved to another calendar keeps its UID: delete that event or move it back, then run again',
  },
  {
    name: 'a bare 412 on a create',
    fault: { kind: 'answer', status: 412 },
    reason: (uid) =>
      `the target refused to create the copy (HTTP 412): an event with its UID ${uid} may exist in another calendar of this account ` +
      '(iCloud and Cyrus allow a UID once per account), or something was stored at its href meanwhile; a copy moved to another calendar keeps its UID: delete that event or move it back, then run again',
  },
];

for (const { name, fault, reason } of CASES) {
  test(`a create refused with ${name}: the message names the UID, the likely cause and what to do; the next run makes the copy`, async () => {
    const pair = await startPair(`uid-${CASES.findIndex((c) => c.name === name)}`);
    try {
      pair.proxy.rules = [{ kind: 'PUT create', times: 1, fault }];
      const first = await pair.sync();
      assert.equal(first.run.code, 1, first.run.stdout + first.run.stderr);
      assert.deepEqual(summaryCounts(first.run.stdout), counts(8, 1), first.run.stdout);
      const { uid, reason: said } = failure(first.run.stdout);
      assert.equal(said, reason(uid));
      // Not retried: the same create once.
      assert.equal(first.seen['PUT create'], 9);

      const next = await pair.sync();
      assert.equal(next.run.code, 0, next.run.stdout + next.run.stderr);
      assert.deepEqual(summaryCounts(next.run.stdout), counts(1, 0), next.run.stdout);
      assert.deepEqual(await pair.target(), FIRST_COPIES);
    } finally {
      await pair.close();
    }
  });
}
