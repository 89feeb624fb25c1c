// Unit tests of the pure planner: one test per case of its decision table.
// Inputs are built by hand; every expected action list is written out by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Mapping, SourceProblem, TargetObject } from '../lib/domain.ts';
import { DEFAULT_POLICY, planActions, type PlanInput } from '../lib/plan-actions.ts';

import { copy, hrefOf, IN_WINDOW, listed, mapping, markers, OTHER_PAIR, own, PAIR, plan, remadeAt, RID, WINDOW } from './harness/plan-fixtures.ts';

// --- desired occurrences ------------------------------------------------------------------

test('a new occurrence with no mapping and nothing at its href is created', () => {
  const c = copy('ev-1', RID);
  assert.deepEqual(plan({ desired: [c] }), [{ kind: 'create', copy: c, place: own(c), reason: 'new occurrence in the source' }]);
});

test('a mapped occurrence whose copy has the recorded etag and the same content hash is unchanged', () => {
  const c = copy('ev-1', RID);
  const m = mapping('ev-1', RID);
  assert.deepEqual(plan({ desired: [c], mappings: [m], target: [listed(c.targetHref, '"tgt-1"', markers('ev-1', RID))] }), [
    { kind: 'unchanged', copy: c },
  ]);
});

test('a mapped occurrence with the recorded etag but a new content hash is updated with the mapping etag', () => {
  const c = copy('ev-1', RID, { contentHash: 'hash-v2' });
  const m = mapping('ev-1', RID, { targetEtag: '"tgt-1"', contentHash: 'hash-v1' });
  assert.deepEqual(plan({ desired: [c], mappings: [m], target: [listed(c.targetHref, '"tgt-1"', markers('ev-1', RID))] }), [
    { kind: 'update', copy: c, place: own(c), etag: '"tgt-1"', reason: 'the source occurrence changed' },
  ]);
});

test('a mapped occurrence whose copy was deleted on the target is recreated under a UID it never had (trash bins refuse a deleted one)', () => {
  const c = copy('ev-1', RID);
  const m = mapping('ev-1', RID);
  assert.deepEqual(plan({ desired: [c], mappings: [m], target: [] }), [
    { kind: 'create', copy: c, place: remadeAt(c, 2), reason: 'the copy was deleted on the target; recreated (the source is the truth)' },
  ]);
});

test('a mapped occurrence whose copy was edited on the target (still ours) is overwritten using the new target etag', () => {
  const c = copy('ev-1', RID);
  const m = mapping('ev-1', RID, { targetEtag: '"tgt-1"' });
  assert.deepEqual(plan({ desired: [c], mappings: [m], target: [listed(c.targetHref, '"tgt-2-edited"', markers('ev-1', RID))] }), [
    { kind: 'update', copy: c, place: own(c), etag: '"tgt-2-edited"', reason: 'the copy was changed on the target; overwritten (the source wins)' },
  ]);
});

test('an unmapped occurrence whose href already holds a copy with our markers is adopted with that etag', () => {
  const c = copy('ev-1', RID);
  assert.deepEqual(plan({ desired: [c], target: [listed(c.targetHref, '"found-1"', markers('ev-1', RID))] }), [
    {
      kind: 'adopt',
      copy: c,
      place: own(c),
      etag: '"found-1"',
      reason: 'a copy of this pair was found at its own href with no state (lost database or interrupted run); adopted',
    },
  ]);
});

test('a foreign object (no markers) at the href of a new occurrence is skipped, never written', () => {
  const c = copy('ev-1', RID);
  assert.deepEqual(plan({ desired: [c], target: [listed(c.targetHref, '"foreign-1"', null)] }), [
    {
      kind: 'skip',
      id: { sourceUid: c.sourceUid, recurrenceId: c.recurrenceId },
      sourceHref: c.sourceHref,
      targetHref: c.targetHref,
      reason: `the target holds an object at ${c.targetHref} without this pair's markers; left alone`,
    },
  ]);
});

test("an object carrying another pair's markers at the href of a new occurrence is skipped, never written", () => {
  const c = copy('ev-1', RID);
  assert.deepEqual(plan({ desired: [c], target: [listed(c.targetHref, '"other-1"', markers('ev-1', RID, OTHER_PAIR))] }), [
    {
      kind: 'skip',
      id: { sourceUid: c.sourceUid, recurrenceId: c.recurrenceId },
      sourceHref: c.sourceHref,
      targetHref: c.targetHref,
      reason: `the target holds an object at ${c.targetHref} without this pair's markers; left alone`,
    },
  ]);
});

test('a mapped occurrence whose copy was replaced on the target by a foreign object is skipped, never overwritten', () => {
  const c = copy('ev-1', RID);
  const m = mapping('ev-1', RID, { targetEtag: '"tgt-1"' });
  assert.deepEqual(plan({ desired: [c], mappings: [m], target: [listed(c.targetHref, '"foreign-2"', null)] }), [
    {
      kind: 'skip',
      id: { sourceUid: c.sourceUid, recurrenceId: c.recurrenceId },
      sourceHref: c.sourceHref,
      targetHref: c.targetHref,
      reason: `the target holds an object at ${c.targetHref} without this pair's markers; left alone`,
    },
  ]);
});

test('an object with our markers listed without an ETag and no mapping is skipped, not adopted', () => {
  const c = copy('ev-1', RID);
  assert.deepEqual(plan({ desired: [c], target: [listed(c.targetHref, null, markers('ev-1', RID))] }), [
    {
      kind: 'skip',
      id: { sourceUid: c.sourceUid, recurrenceId: c.recurrenceId },
      targetHref: c.targetHref,
      reason: 'the target listed the copy without an ETag, so it cannot be written safely; retried next run',
    },
  ]);
});

test('a mapped occurrence whose copy is listed without an ETag is skipped, not written (even when the mapping has no etag either)', () => {
  const c = copy('ev-1', RID, { contentHash: 'hash-v2' });
  const m = mapping('ev-1', RID, { targetEtag: null });
  assert.deepEqual(plan({ desired: [c], mappings: [m], target: [listed(c.targetHref, null, markers('ev-1', RID))] }), [
    {
      kind: 'skip',
      id: { sourceUid: c.sourceUid, recurrenceId: c.recurrenceId },
      targetHref: c.targetHref,
      reason: 'the target listed the copy without an ETag, so it cannot be written safely; retried next run',
    },
  ]);
});

test('a second desired copy of the same occurrence is skipped and only the first is planned', () => {
  const first = copy('ev-1', RID, { sourceHref: '/cal/source/a.ics' });
  const second = copy('ev-1', RID, { sourceHref: '/cal/source/b.ics', contentHash: 'hash-other' });
  assert.deepEqual(plan({ desired: [first, second] }), [
    { kind: 'create', copy: first, place: own(first), reason: 'new occurrence in the source' },
    {
      kind: 'skip',
      id: { sourceUid: second.sourceUid, recurrenceId: second.recurrenceId },
      sourceHref: '/cal/source/b.ics',
      reason: 'occurrence ev-1 @ 20250310T090000Z appears twice in the source; the first one is synced',
    },
  ]);
});

// --- mappings that are no longer desired -------------------------------------------------

test('an unwanted occurrence of a series that is still in the source is deleted with the recorded etag ("no longer part of the series")', () => {
  const kept = copy('series-1', '20250311T090000Z', { start: '2025-03-11T09:00:00Z', end: '2025-03-11T10:00:00Z' });
  const keptMapping = mapping('series-1', '20250311T090000Z', { instanceStart: '2025-03-11T09:00:00Z', instanceEnd: '2025-03-11T10:00:00Z' });
  const gone = mapping('series-1', RID, { targetEtag: '"tgt-7"' });
  const actions = plan({
    desired: [kept],
    mappings: [keptMapping, gone],
    target: [
      listed(kept.targetHref, '"tgt-1"', markers('series-1', '20250311T090000Z')),
      listed(gone.targetHref, '"tgt-7"', markers('series-1', RID)),
    ],
  });
  assert.deepEqual(actions, [
    { kind: 'unchanged', copy: kept },
    {
      kind: 'delete',
      mapping: gone,
      etag: '"tgt-7"',
      reason: 'the occurrence is no longer part of the series (excluded, cancelled or moved)',
    },
  ]);
});

test('an unwanted occurrence of an event gone from the source is deleted with the recorded etag ("no longer in the source")', () => {
  const gone = mapping('ev-gone', '', { targetEtag: '"tgt-7"' });
  assert.deepEqual(plan({ mappings: [gone], target: [listed(gone.targetHref, '"tgt-7"', markers('ev-gone'))] }), [
    {
      kind: 'delete',
      mapping: gone,
      etag: '"tgt-7"',
      reason: 'the event is no longer in the source within the window (deleted, cancelled or moved)',
    },
  ]);
});

test('an unwanted occurrence whose copy was edited on the target but is still ours is deleted with the new etag', () => {
  const gone = mapping('ev-gone', '', { targetEtag: '"tgt-1"' });
  assert.deepEqual(plan({ mappings: [gone], target: [listed(gone.targetHref, '"tgt-2-edited"', markers('ev-gone'))] }), [
    {
      kind: 'delete',
      mapping: gone,
      etag: '"tgt-2-edited"',
      reason: 'the event is no longer in the source within the window (deleted, cancelled or moved) (the copy had been changed on the target)',
    },
  ]);
});

test('an unwanted occurrence whose object no longer carries our markers is skipped, never deleted', () => {
  const gone = mapping('ev-gone', '', { targetEtag: '"tgt-1"' });
  assert.deepEqual(plan({ mappings: [gone], target: [listed(gone.targetHref, '"foreign-9"', null)] }), [
    {
      kind: 'skip',
      id: { sourceUid: gone.sourceUid, recurrenceId: gone.recurrenceId },
      targetHref: gone.targetHref,
      reason: `the event is no longer in the source within the window (deleted, cancelled or moved), but the object at ${gone.targetHref} no longer carries this pair's markers; left alone`,
    },
  ]);
});

test('an unwanted occurrence whose copy is listed without an ETag is skipped for that reason, never deleted', () => {
  const gone = mapping('ev-gone', '', { targetEtag: '"tgt-1"' });
  assert.deepEqual(plan({ mappings: [gone], target: [listed(gone.targetHref, null, markers('ev-gone', ''))] }), [
    {
      kind: 'skip',
      id: { sourceUid: 'ev-gone', recurrenceId: '' },
      targetHref: gone.targetHref,
      reason: 'the event is no longer in the source within the window (deleted, cancelled or moved), but the target listed the copy without an ETag, so it cannot be written safely; retried next run',
    },
  ]);
});

test("an unwanted occurrence whose object now carries another pair's markers is skipped, never deleted", () => {
  const gone = mapping('ev-gone', '', { targetEtag: '"tgt-1"' });
  assert.deepEqual(plan({ mappings: [gone], target: [listed(gone.targetHref, '"other-9"', markers('ev-gone', '', OTHER_PAIR))] }), [
    {
      kind: 'skip',
      id: { sourceUid: gone.sourceUid, recurrenceId: gone.recurrenceId },
      targetHref: gone.targetHref,
      reason: `the event is no longer in the source within the window (deleted, cancelled or moved), but the object at ${gone.targetHref} no longer carries this pair's markers; left alone`,
    },
  ]);
});

test('an unwanted occurrence whose copy is already gone from the target is retired', () => {
  const gone = mapping('ev-gone');
  assert.deepEqual(plan({ mappings: [gone], target: [] }), [
    {
      kind: 'retire',
      mapping: gone,
      reason: 'the event is no longer in the source within the window (deleted, cancelled or moved); the copy was already gone from the target',
    },
  ]);
});

test('a mapping whose instance no longer overlaps the window is retired and its copy kept, even though the copy is on the target', () => {
  const past = mapping('ev-old', '20250220T090000Z', {
    instanceStart: '2025-02-20T09:00:00Z',
    instanceEnd: '2025-02-20T10:00:00Z',
  });
  const endsAtWindowStart = mapping('ev-old', '20250228T230000Z', {
    instanceStart: '2025-02-28T23:00:00Z',
    instanceEnd: '2025-03-01T00:00:00Z',
  });
  const actions = plan({
    mappings: [past, endsAtWindowStart],
    target: [
      listed(past.targetHref, '"tgt-1"', markers('ev-old', '20250220T090000Z')),
      listed(endsAtWindowStart.targetHref, '"tgt-1"', markers('ev-old', '20250228T230000Z')),
    ],
  });
  assert.deepEqual(actions, [
    { kind: 'retire', mapping: past, reason: 'the occurrence left the sync window; the copy stays' },
    { kind: 'retire', mapping: endsAtWindowStart, reason: 'the occurrence left the sync window; the copy stays' },
  ]);
});

test('a zero-length instance exactly at the window start is still in the window: deleted, not retired', () => {
  const atStart = mapping('ev-zero', '20250301T000000Z', {
    instanceStart: '2025-03-01T00:00:00Z',
    instanceEnd: '2025-03-01T00:00:00Z',
  });
  assert.deepEqual(plan({ mappings: [atStart], target: [listed(atStart.targetHref, '"tgt-1"', markers('ev-zero', '20250301T000000Z'))] }), [
    {
      kind: 'delete',
      mapping: atStart,
      etag: '"tgt-1"',
      reason: 'the event is no longer in the source within the window (deleted, cancelled or moved)',
    },
  ]);
});

test('a zero-length instance exactly at the window end is outside the window: retired, not deleted', () => {
  const atEnd = mapping('ev-zero', '20250401T000000Z', {
    instanceStart: '2025-04-01T00:00:00Z',
    instanceEnd: '2025-04-01T00:00:00Z',
  });
  assert.deepEqual(plan({ mappings: [atEnd], target: [listed(atEnd.targetHref, '"tgt-1"', markers('ev-zero', '20250401T000000Z'))] }), [
    { kind: 'retire', mapping: atEnd, reason: 'the occurrence left the sync window; the copy stays' },
  ]);
});

// --- source problems ---------------------------------------------------------------------

test('a source problem with a UID is skipped and the mappings of that UID get no action at all', () => {
  const problem: SourceProblem = { sourceHref: '/cal/source/broken.ics', sourceUid: 'ev-broken', reason: 'has an invalid RRULE' };
  const inWindow = mapping('ev-broken', RID, { sourceHref: '/cal/source/broken.ics' });
  const copyGone = mapping('ev-broken', '20250312T090000Z', { sourceHref: '/cal/source/broken.ics' });
  const leftWindow = mapping('ev-broken', '20250201T090000Z', {
    sourceHref: '/cal/source/broken.ics',
    instanceStart: '2025-02-01T09:00:00Z',
    instanceEnd: '2025-02-01T10:00:00Z',
  });
  const actions = plan({
    problems: [problem],
    mappings: [inWindow, copyGone, leftWindow],
    target: [
      listed(inWindow.targetHref, '"tgt-1"', markers('ev-broken', RID)),
      listed(leftWindow.targetHref, '"tgt-1"', markers('ev-broken', '20250201T090000Z')),
    ],
  });
  assert.deepEqual(actions, [
    {
      kind: 'skip',
      id: { sourceUid: 'ev-broken' },
      sourceHref: '/cal/source/broken.ics',
      reason: 'source event ev-broken has an invalid RRULE; skipped, its copies are left as they are',
    },
  ]);
});

test('a source problem without a UID protects every mapping whose source href it is, and only those', () => {
  const problem: SourceProblem = { sourceHref: '/cal/source/garbage.ics', reason: 'could not be parsed' };
  const protectedMapping = mapping('ev-in-garbage', RID, { sourceHref: '/cal/source/garbage.ics' });
  const unrelated = mapping('ev-elsewhere', '', { sourceHref: '/cal/source/elsewhere.ics' });
  const actions = plan({
    problems: [problem],
    mappings: [protectedMapping, unrelated],
    target: [
      listed(protectedMapping.targetHref, '"tgt-1"', markers('ev-in-garbage', RID)),
      listed(unrelated.targetHref, '"tgt-1"', markers('ev-elsewhere')),
    ],
  });
  assert.deepEqual(actions, [
    {
      kind: 'skip',
      id: {},
      sourceHref: '/cal/source/garbage.ics',
      reason: 'source object /cal/source/garbage.ics could not be parsed; skipped, its copies are left as they are',
    },
    {
      kind: 'delete',
      mapping: unrelated,
      etag: '"tgt-1"',
      reason: 'the event is no longer in the source within the window (deleted, cancelled or moved)',
    },
  ]);
});

// --- objects the state does not know -----------------------------------------------------

test("an unmapped, undesired copy with this pair's markers is skipped as an orphan; other pairs' and foreign objects are not mentioned", () => {
  const orphanMarkers = markers('ev-orphan', RID);
  const actions = plan({
    target: [
      listed('/cal/target/orphan.ics', '"o-1"', orphanMarkers),
      listed('/cal/target/other-pair.ics', '"p-1"', markers('ev-x', RID, OTHER_PAIR)),
      listed('/cal/target/meeting.ics', '"f-1"', null),
    ],
  });
  assert.deepEqual(actions, [
    {
      kind: 'skip',
      id: { sourceUid: 'ev-orphan', recurrenceId: RID },
      targetHref: '/cal/target/orphan.ics',
      reason: 'a copy of this pair that the state does not know (orphan); left alone',
    },
  ]);
});

test('a copy of this pair with no mapping whose occurrence is outside the window (one that left it) is not an orphan', () => {
  const before = { start: '2025-02-27T09:00:00Z', end: '2025-02-27T10:00:00Z' };
  const after = { start: '2025-04-01T00:00:00Z', end: '2025-04-01T01:00:00Z' };
  assert.deepEqual(
    plan({ target: [listed('/cal/target/old.ics', '"o-1"', markers('ev-old', '20250227T090000Z'), before), listed('/cal/target/later.ics', '"o-2"', markers('ev-later'), after)] }),
    [],
  );
});

// --- purity ------------------------------------------------------------------------------

test('the planner is pure: the same input gives the same plan twice and is not mutated', () => {
  const input: PlanInput = {
    pairKey: PAIR,
    window: { ...WINDOW },
    policy: DEFAULT_POLICY,
    desired: [
      copy('ev-new', RID),
      copy('ev-same', RID),
      copy('ev-changed', RID, { contentHash: 'hash-v2' }),
      copy('ev-adopt', RID),
      copy('ev-new', RID, { sourceHref: '/cal/source/dup.ics' }),
    ],
    problems: [
      { sourceHref: '/cal/source/broken.ics', sourceUid: 'ev-broken', reason: 'is broken' },
      { sourceHref: '/cal/source/garbage.ics', reason: 'could not be parsed' },
    ],
    target: [
      listed(hrefOf('ev-same', RID), '"tgt-1"', markers('ev-same', RID)),
      listed(hrefOf('ev-changed', RID), '"tgt-1"', markers('ev-changed', RID)),
      listed(hrefOf('ev-adopt', RID), '"a-1"', markers('ev-adopt', RID)),
      listed(hrefOf('ev-gone'), '"tgt-1"', markers('ev-gone')),
      listed('/cal/target/orphan.ics', '"o-1"', markers('ev-orphan')),
      listed('/cal/target/foreign.ics', '"f-1"', null),
    ],
    mappings: [
      mapping('ev-same', RID),
      mapping('ev-changed', RID),
      mapping('ev-gone'),
      mapping('ev-broken', RID, { sourceHref: '/cal/source/broken.ics' }),
      mapping('ev-old', '', { instanceStart: '2025-01-01T09:00:00Z', instanceEnd: '2025-01-01T10:00:00Z' }),
    ],
  };
  const before = structuredClone(input);
  const first = planActions(input);
  const second = planActions(input);
  assert.deepEqual(second, first);
  assert.deepEqual(input, before);
  assert.equal(first.length, 10);
});
