// Unit tests of how verify reads a plan: each kind of difference, and what is not one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Action } from '../lib/domain.ts';
import { verificationFindings } from '../lib/verify-findings.ts';
import { describeAction } from '../lib/run-report.ts';
import { copy, listed, mapping, markers, own, RID } from './harness/plan-fixtures.ts';

test('each action of a plan is the difference it shows; unchanged copies and copies that left the window are none', () => {
  const missing = copy('ev-missing');
  const fresh = copy('ev-new');
  const edited = copy('ev-edited');
  const sourceChanged = copy('ev-changed', '', { contentHash: 'hash-v2' });
  const gone = mapping('ev-gone');
  const leftWindow = mapping('ev-old');
  const lost = copy('ev-lost');
  const actions: Action[] = [
    { kind: 'unchanged', copy: copy('ev-same') },
    { kind: 'create', copy: missing, place: own(missing), reason: 'deleted on the target' },
    { kind: 'create', copy: fresh, place: own(fresh), reason: 'new' },
    { kind: 'update', copy: edited, place: own(edited), etag: '"edited"', reason: 'changed on the target' },
    { kind: 'update', copy: sourceChanged, place: own(sourceChanged), etag: '"tgt-1"', reason: 'source changed' },
    { kind: 'adopt', copy: lost, place: own(lost), etag: '"l"', reason: 'no state' },
    { kind: 'retire', mapping: gone, reason: 'gone from the source, copy already gone' },
    { kind: 'retire', mapping: leftWindow, reason: 'left the window' },
    { kind: 'skip', id: { sourceUid: 'ev-orphan', recurrenceId: RID }, targetHref: '/t/orphan.ics', reason: 'a copy of this pair that the state does not know (orphan); left alone' },
    { kind: 'skip', id: { sourceUid: 'ev-bad' }, sourceHref: '/s/bad.ics', reason: 'source event ev-bad has a broken RRULE; skipped' },
    { kind: 'report', id: {}, targetHref: '/t/lunch.ics', reason: 'a foreign duplicate' },
  ];
  const mappings = [mapping('ev-missing'), mapping('ev-edited'), mapping('ev-changed'), gone, leftWindow];
  const target = [listed(leftWindow.targetHref, '"tgt-1"', markers('ev-old'))];
  const kinds = verificationFindings(actions, mappings, target).map((f) => f.kind);
  assert.deepEqual(kinds, ['missing copy', 'not synced yet', 'copy changed on the target', 'not synced yet', 'copy with no mapping', 'mapping with no copy', 'orphan', 'problem', 'duplicate']);
  assert.equal(verificationFindings(actions, mappings, target)[0].detail, describeAction(actions[1]));
  assert.deepEqual(verificationFindings([{ kind: 'unchanged', copy: copy('ev-same') }], [mapping('ev-same')], []), []);
});
