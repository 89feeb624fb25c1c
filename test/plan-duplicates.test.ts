// Unit tests of the planner for duplicates and earlier copies: the tool's own extra copies are
// deleted by the keep rule, foreign ones reported (or deleted with --dedupe-foreign), and on a
// pair's first run the Python tool's copies are adopted in place. Expected plans written by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_POLICY } from '../lib/plan-actions.ts';
import { canonicalHash } from '../lib/render-copy.ts';
import { copy, facts, IN_WINDOW, listed, mapping, markers, OTHER_PAIR, own, plan, RID } from './harness/plan-fixtures.ts';

const firstRun = { ...DEFAULT_POLICY, adoptForeign: true };
const dedupeForeign = { ...DEFAULT_POLICY, dedupeForeign: true };
const SUMMARY = 'Summary of ev-1';

test('an unmapped copy at its own href that is already what the source wants is relinked without a write; another is adopted', () => {
  const c = copy('ev-1', RID);
  const same = listed(c.targetHref, '"t-1"', markers('ev-1', RID), IN_WINDOW, facts(c.uid, SUMMARY, { canonicalHash: canonicalHash(c.ics) }));
  assert.deepEqual(plan({ desired: [c], target: [same] }), [
    { kind: 'relink', copy: c, place: own(c), etag: '"t-1"', reason: 'a copy of this pair was found at its own href with no state (lost database or interrupted run), just as the source has it; its state is rebuilt without a write' },
  ]);
  const older = listed(c.targetHref, '"t-1"', markers('ev-1', RID), IN_WINDOW, facts(c.uid, SUMMARY, { canonicalHash: 'hash-v0' }));
  assert.deepEqual(plan({ desired: [c], target: [older] }), [
    { kind: 'adopt', copy: c, place: own(c), etag: '"t-1"', reason: 'a copy of this pair was found at its own href with no state (lost database or interrupted run); adopted' },
  ]);
});

test('a second copy of a mapped occurrence elsewhere on the target is deleted; the mapped one stays', () => {
  const c = copy('ev-1', RID);
  const stray = listed('/cal/target/stray.ics', '"s-1"', markers('ev-1', RID), IN_WINDOW, facts('calsync-other', SUMMARY));
  assert.deepEqual(
    plan({ desired: [c], mappings: [mapping('ev-1', RID)], target: [listed(c.targetHref, '"tgt-1"', markers('ev-1', RID), IN_WINDOW, facts(c.uid, SUMMARY)), stray] }),
    [
      { kind: 'unchanged', copy: c },
      { kind: 'discard', object: stray, reason: `a duplicate: another copy of the same occurrence as ${c.targetHref}, which is kept` },
    ],
  );
});

test('an unmapped copy of this pair away from its own href is adopted in place, keeping its UID, instead of a new copy', () => {
  const c = copy('ev-1', RID);
  const stray = listed('/cal/target/stray.ics', '"s-1"', markers('ev-1', RID), IN_WINDOW, facts('ev-1-kept-uid', SUMMARY));
  assert.deepEqual(plan({ desired: [c], target: [stray] }), [
    {
      kind: 'adopt',
      copy: c,
      place: { href: '/cal/target/stray.ics', uid: 'ev-1-kept-uid' },
      etag: '"s-1"',
      reason: 'a copy of this pair with no state (lost database or interrupted run) was found at /cal/target/stray.ics; adopted in place',
    },
  ]);
});

test('of several unmapped copies of one occurrence, the lowest SEQUENCE is kept, then the oldest; the others are deleted', () => {
  const c = copy('ev-1', RID);
  const newest = listed('/cal/target/a.ics', '"a"', markers('ev-1', RID), IN_WINDOW, facts(c.uid, SUMMARY, { createdAt: '2025-02-01T00:00:00Z' }));
  const oldest = listed('/cal/target/b.ics', '"b"', markers('ev-1', RID), IN_WINDOW, facts(c.uid, SUMMARY, { createdAt: '2025-01-01T00:00:00Z' }));
  const higher = listed('/cal/target/c.ics', '"c"', markers('ev-1', RID), IN_WINDOW, facts(c.uid, SUMMARY, { sequence: 3, createdAt: '2024-01-01T00:00:00Z' }));
  assert.deepEqual(plan({ desired: [c], target: [newest, higher, oldest] }), [
    { kind: 'adopt', copy: c, place: { href: '/cal/target/b.ics', uid: null }, etag: '"b"', reason: 'a copy of this pair with no state (lost database or interrupted run) was found at /cal/target/b.ics; adopted in place' },
    { kind: 'discard', object: newest, reason: 'a duplicate: another copy of the same occurrence as /cal/target/b.ics, which is kept' },
    { kind: 'discard', object: higher, reason: 'a duplicate: another copy of the same occurrence as /cal/target/b.ics, which is kept' },
  ]);
});

test('a foreign object with the same SUMMARY and start as a copy is reported, never touched, after the first run', () => {
  const c = copy('ev-1', RID);
  const foreign = listed('/cal/target/mine.ics', '"f-1"', null, IN_WINDOW, facts('someone@else', SUMMARY));
  assert.deepEqual(plan({ desired: [c], target: [foreign] }), [
    { kind: 'create', copy: c, place: own(c), reason: 'new occurrence in the source' },
    {
      kind: 'report',
      id: {},
      targetHref: '/cal/target/mine.ics',
      reason: `a foreign object that is the same event (same SUMMARY and start) as ${c.targetHref}; left alone (--dedupe-foreign deletes such duplicates)`,
    },
  ]);
});

test('with --dedupe-foreign, a foreign duplicate of a copy is deleted (the mapped copy is the one kept)', () => {
  const c = copy('ev-1', RID);
  const foreign = listed('/cal/target/mine.ics', '"f-1"', null, IN_WINDOW, facts('someone@else', SUMMARY, { createdAt: '2020-01-01T00:00:00Z' }));
  const target = [listed(c.targetHref, '"tgt-1"', markers('ev-1', RID), IN_WINDOW, facts(c.uid, SUMMARY, { sequence: 5 })), foreign];
  assert.deepEqual(plan({ desired: [c], mappings: [mapping('ev-1', RID)], target, policy: dedupeForeign }), [
    { kind: 'unchanged', copy: c },
    { kind: 'discard', object: foreign, reason: `a duplicate: the same event (same SUMMARY and start) as ${c.targetHref}, which is kept` },
  ]);
});

test('foreign duplicates among themselves are reported; with --dedupe-foreign the keep rule picks the one left', () => {
  const older = listed('/cal/target/older.ics', '"o"', null, IN_WINDOW, facts('x-1', 'Lunch', { createdAt: '2025-01-01T00:00:00Z' }));
  const newer = listed('/cal/target/newer.ics', '"n"', null, IN_WINDOW, facts('x-2', 'Lunch', { createdAt: '2025-01-02T00:00:00Z' }));
  assert.deepEqual(plan({ target: [newer, older] }), [
    { kind: 'report', id: {}, targetHref: '/cal/target/newer.ics', reason: 'a foreign object that is the same event (same SUMMARY and start) as /cal/target/older.ics; left alone (--dedupe-foreign deletes such duplicates)' },
  ]);
  assert.deepEqual(plan({ target: [newer, older], policy: dedupeForeign }), [
    { kind: 'discard', object: newer, reason: 'a duplicate: the same event (same SUMMARY and start) as /cal/target/older.ics, which is kept' },
  ]);
});

test('two different source events with the same SUMMARY and start both keep their copies', () => {
  const a = copy('ev-a', '', { summary: 'Lunch' });
  const b = copy('ev-b', '', { summary: 'Lunch' });
  const target = [listed(a.targetHref, '"a"', markers('ev-a'), IN_WINDOW, facts(a.uid, 'Lunch')), listed(b.targetHref, '"b"', markers('ev-b'), IN_WINDOW, facts(b.uid, 'Lunch'))];
  assert.deepEqual(plan({ desired: [a, b], mappings: [mapping('ev-a', '', { targetEtag: '"a"' }), mapping('ev-b', '', { targetEtag: '"b"' })], target }), [
    { kind: 'unchanged', copy: a },
    { kind: 'unchanged', copy: b },
  ]);
});

test("another pair's copies are never duplicates to delete or report", () => {
  const c = copy('ev-1', RID);
  const other = listed('/cal/target/other-pair.ics', '"p"', markers('ev-1', RID, OTHER_PAIR), IN_WINDOW, facts('calsync-x', SUMMARY));
  assert.deepEqual(plan({ desired: [c], target: [other], policy: { ...dedupeForeign, adoptForeign: true } }), [
    { kind: 'create', copy: c, place: own(c), reason: 'new occurrence in the source' },
  ]);
});

test("on the first run, the Python tool's copy with the source UID is adopted in place, keeping its UID", () => {
  const single = copy('ev-1');
  const python = listed('/cal/target/ev-1.ics', '"py-1"', null, IN_WINDOW, facts('ev-1', 'An older summary'));
  assert.deepEqual(plan({ desired: [single], target: [python], policy: firstRun }), [
    {
      kind: 'adopt',
      copy: single,
      place: { href: '/cal/target/ev-1.ics', uid: 'ev-1' },
      etag: '"py-1"',
      reason: 'an earlier copy of this occurrence (same UID) made by another tool was found at /cal/target/ev-1.ics; adopted in place',
    },
  ]);
});

test("on the first run, the Python tool's occurrence copies are matched by UID and RECURRENCE-ID, or by UID and start", () => {
  const first = copy('series', '20250310T090000Z');
  const second = copy('series', '20250311T090000Z', { start: '2025-03-11T09:00:00Z', end: '2025-03-11T10:00:00Z' });
  const byRid = listed('/cal/target/py-a.ics', '"a"', null, IN_WINDOW, facts('series', 'Standup', { recurrenceId: '20250310T090000Z' }));
  const byStart = listed('/cal/target/py-b.ics', '"b"', null, { start: '2025-03-11T09:00:00Z', end: '2025-03-11T10:00:00Z' }, facts('series', 'Standup'));
  assert.deepEqual(plan({ desired: [first, second], target: [byStart, byRid], policy: firstRun }), [
    { kind: 'adopt', copy: first, place: { href: '/cal/target/py-a.ics', uid: 'series' }, etag: '"a"', reason: 'an earlier copy of this occurrence (same UID and RECURRENCE-ID) made by another tool was found at /cal/target/py-a.ics; adopted in place' },
    { kind: 'adopt', copy: second, place: { href: '/cal/target/py-b.ics', uid: 'series' }, etag: '"b"', reason: 'an earlier copy of this occurrence (same UID) made by another tool was found at /cal/target/py-b.ics; adopted in place' },
  ]);
});

test("on the first run, a copy with another UID is adopted by SUMMARY and start; a series never is", () => {
  const c = copy('ev-1');
  const same = listed('/cal/target/py.ics', '"py"', null, IN_WINDOW, facts('random-uid', SUMMARY));
  assert.deepEqual(plan({ desired: [c], target: [same], policy: firstRun }), [
    { kind: 'adopt', copy: c, place: { href: '/cal/target/py.ics', uid: 'random-uid' }, etag: '"py"', reason: 'an earlier copy of this occurrence (same SUMMARY and start) made by another tool was found at /cal/target/py.ics; adopted in place' },
  ]);
  const series = listed('/cal/target/series.ics', '"s"', null, null, facts('ev-1', '', { recurring: true }));
  assert.deepEqual(plan({ desired: [c], target: [series], policy: firstRun }), [{ kind: 'create', copy: c, place: own(c), reason: 'new occurrence in the source' }]);
});

test('repair --delete-orphans: a copy of this pair that neither the source nor the state accounts for is deleted; without it, left alone', () => {
  const orphan = listed('/cal/target/orphan.ics', '"o-1"', markers('ev-gone'), IN_WINDOW, facts('calsync-gone', 'Gone'));
  assert.deepEqual(plan({ target: [orphan], policy: { ...DEFAULT_POLICY, deleteOrphans: true } }), [
    { kind: 'discard', object: orphan, reason: 'a copy of this pair that the state does not know and whose occurrence is not in the source (orphan); deleted (--delete-orphans)' },
  ]);
  assert.deepEqual(plan({ target: [orphan] }), [
    { kind: 'skip', id: { sourceUid: 'ev-gone', recurrenceId: '' }, targetHref: '/cal/target/orphan.ics', reason: 'a copy of this pair that the state does not know (orphan); left alone' },
  ]);
});
