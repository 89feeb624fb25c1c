// Unit tests of the planner for copies deleted or changed on the target: TARGET_DELETIONS
// (recreate, respect, propagate) and TARGET_EDITS (overwrite, keep). Expected plans written by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_POLICY } from '../lib/plan-actions.ts';
import { canonicalHash } from '../lib/render-copy.ts';
import { copy, listed, mapping, markers, own, plan, remadeAt, RID } from './harness/plan-fixtures.ts';

const respect = { ...DEFAULT_POLICY, targetDeletions: 'respect' as const };
const propagate = { ...DEFAULT_POLICY, targetDeletions: 'propagate' as const };
const keep = { ...DEFAULT_POLICY, targetEdits: 'keep' as const };

test('recreate (the default): a copy deleted on the target is created again', () => {
  const c = copy('ev-1', RID);
  assert.deepEqual(plan({ desired: [c], mappings: [mapping('ev-1', RID)] }), [
    { kind: 'create', copy: c, place: remadeAt(c, 2), reason: 'the copy was deleted on the target; recreated (the source is the truth)' },
  ]);
});

test('respect: a copy deleted on the target is remembered as deleted, and not created again', () => {
  const m = mapping('ev-1', RID);
  assert.deepEqual(plan({ desired: [copy('ev-1', RID)], mappings: [m], policy: respect }), [
    { kind: 'respect', mapping: m, reason: 'the copy was deleted on the target; it stays deleted until the source occurrence changes (TARGET_DELETIONS=respect)' },
  ]);
});

test('respect: a copy deleted on the target while its source occurrence changed is created again at once', () => {
  const c = copy('ev-1', RID, { contentHash: 'hash-v2' });
  assert.deepEqual(plan({ desired: [c], mappings: [mapping('ev-1', RID)], policy: respect }), [
    { kind: 'create', copy: c, place: remadeAt(c, 2), reason: 'the copy was deleted on the target, but the source occurrence has changed since; created again (TARGET_DELETIONS=respect)' },
  ]);
});

test('respect: a remembered deletion stays as it is while the source occurrence is unchanged, whatever the setting now', () => {
  const c = copy('ev-1', RID);
  const m = mapping('ev-1', RID, { copyState: 'deleted-on-target', targetEtag: null });
  for (const policy of [respect, DEFAULT_POLICY]) {
    assert.deepEqual(plan({ desired: [c], mappings: [m], policy }), [{ kind: 'unchanged', copy: c }]);
  }
});

test('respect: when the source occurrence changes, its deleted copy is created again under a fresh UID and href of its own', () => {
  const c = copy('ev-1', RID, { contentHash: 'hash-v2' });
  const m = mapping('ev-1', RID, { copyState: 'deleted-on-target', targetEtag: null, targetHref: '/cal/target/adopted-earlier.ics', targetUid: 'python-uid' });
  assert.deepEqual(plan({ desired: [c], mappings: [m], policy: respect }), [
    { kind: 'create', copy: c, place: remadeAt(c, 2), reason: 'the source occurrence changed since its copy was deleted on the target; created again' },
  ]);
});

test('respect: when the source occurrence goes, the remembered deletion is retired without a request', () => {
  const m = mapping('ev-1', RID, { copyState: 'deleted-on-target', targetEtag: null });
  assert.deepEqual(plan({ mappings: [m], policy: respect }), [
    { kind: 'retire', mapping: m, reason: 'the event is no longer in the source within the window (deleted, cancelled or moved); its copy had been deleted on the target' },
  ]);
});

test('propagate: a copy deleted on the target is deleted in the source', () => {
  const m = mapping('ev-1', RID);
  assert.deepEqual(plan({ desired: [copy('ev-1', RID)], mappings: [m], policy: propagate }), [
    { kind: 'propagate', mapping: m, reason: 'the copy was deleted on the target; the occurrence is deleted in the source (TARGET_DELETIONS=propagate)' },
  ]);
});

test('propagate: a copy that is still there, or a source occurrence that is new, is never propagated', () => {
  const same = copy('ev-same', RID);
  const fresh = copy('ev-new', RID);
  assert.deepEqual(
    plan({ desired: [same, fresh], mappings: [mapping('ev-same', RID)], target: [listed(same.targetHref, '"tgt-1"', markers('ev-same', RID))], policy: propagate }),
    [{ kind: 'unchanged', copy: same }, { kind: 'create', copy: fresh, place: own(fresh), reason: 'new occurrence in the source' }],
  );
});

test('keep: a copy changed on the target is left as it is and reported as a conflict', () => {
  const c = copy('ev-1', RID, { contentHash: 'hash-v2' });
  assert.deepEqual(plan({ desired: [c], mappings: [mapping('ev-1', RID)], target: [listed(c.targetHref, '"edited"', markers('ev-1', RID))], policy: keep }), [
    { kind: 'conflict', id: { sourceUid: 'ev-1', recurrenceId: RID }, targetHref: c.targetHref, reason: 'the copy was changed on the target since the last run; kept as it is (TARGET_EDITS=keep)' },
  ]);
});

test('keep: a copy changed on the target whose occurrence left the source is kept, not deleted', () => {
  const m = mapping('ev-gone');
  assert.deepEqual(plan({ mappings: [m], target: [listed(m.targetHref, '"edited"', markers('ev-gone'))], policy: keep }), [
    {
      kind: 'conflict',
      id: { sourceUid: 'ev-gone', recurrenceId: '' },
      targetHref: m.targetHref,
      reason: 'the event is no longer in the source within the window (deleted, cancelled or moved), but the copy was changed on the target; kept as it is (TARGET_EDITS=keep)',
    },
  ]);
});

test('overwrite (the default): a copy changed on the target is overwritten with If-Match on its new ETag', () => {
  const c = copy('ev-1', RID);
  assert.deepEqual(plan({ desired: [c], mappings: [mapping('ev-1', RID)], target: [listed(c.targetHref, '"edited"', markers('ev-1', RID))] }), [
    { kind: 'update', copy: c, place: own(c), etag: '"edited"', reason: 'the copy was changed on the target; overwritten (the source wins)' },
  ]);
});

test('an adopted copy keeps its href and UID on every later update', () => {
  const c = copy('ev-1', RID, { contentHash: 'hash-v2' });
  const m = mapping('ev-1', RID, { targetHref: '/cal/target/python-copy.ics', targetUid: 'ev-1' });
  assert.deepEqual(plan({ desired: [c], mappings: [m], target: [listed('/cal/target/python-copy.ics', '"tgt-1"', markers('ev-1', RID))] }), [
    { kind: 'update', copy: c, place: { href: '/cal/target/python-copy.ics', uid: 'ev-1' }, etag: '"tgt-1"', reason: 'the source occurrence changed' },
  ]);
});

test('a copy deleted on the target a second time is made again under the next generation of its UID', () => {
  const c = copy('ev-1', RID);
  const m = mapping('ev-1', RID, { targetHref: remadeAt(c, 2).href, targetUid: remadeAt(c, 2).uid });
  assert.deepEqual(plan({ desired: [c], mappings: [m] }), [
    { kind: 'create', copy: c, place: remadeAt(c, 3), reason: 'the copy was deleted on the target; recreated (the source is the truth)' },
  ]);
});

test('a copy made again by a run that stopped before recording it is found by its markers: relinked without a write when it is what the source wants, else adopted', () => {
  const ics = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'BEGIN:VEVENT', 'UID:calsync-ev-1-20250310T090000Z', 'DTSTART:20250310T090000Z', 'SUMMARY:Stand-up', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
  const c = copy('ev-1', RID, { ics });
  const at = remadeAt(c, 2);
  const stored = ics.replace('UID:calsync-ev-1-20250310T090000Z', `UID:${at.uid}`);
  const made = (text: string) => listed(at.href, '"r2-1"', markers('ev-1', RID), undefined, { uid: at.uid, recurrenceId: '', summary: 'Stand-up', recurring: false, sequence: 0, createdAt: '', canonicalHash: canonicalHash(text) });
  const m = mapping('ev-1', RID);
  assert.deepEqual(plan({ desired: [c], mappings: [m], target: [made(stored)] }), [
    {
      kind: 'relink',
      copy: c,
      place: at,
      etag: '"r2-1"',
      reason: `the copy was deleted on the target; recreated (the source is the truth); it was already made at ${at.href} by a run that stopped before recording it, just as the source has it: its state is rebuilt without a write`,
    },
  ]);
  assert.deepEqual(plan({ desired: [c], mappings: [m], target: [made(stored.replace('Stand-up', 'Stand-up (edited)'))] }), [
    { kind: 'adopt', copy: c, place: at, etag: '"r2-1"', reason: `the copy was deleted on the target; recreated (the source is the truth); a copy made at ${at.href} by a run that stopped before recording it is adopted` },
  ]);
});
