// Unit tests of the guard on mass deletion: which plans it stops, by hand-counted shares.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Action } from '../lib/domain.ts';
import { deletionGuard } from '../lib/deletion-guard.ts';
import { copy, listed, mapping, markers, own } from './harness/plan-fixtures.ts';

const deletes = (n: number): Action[] => Array.from({ length: n }, (_, i) => ({ kind: 'delete', mapping: mapping(`ev-${i}`), etag: '"e"', reason: 'gone' }));
const creates = (n: number): Action[] => Array.from({ length: n }, (_, i) => { const c = copy(`new-${i}`); return { kind: 'create', copy: c, place: own(c), reason: 'new' }; });

test('deleting up to the limit goes on; one more stops the run', () => {
  assert.equal(deletionGuard(deletes(25), 100, 25), null);
  assert.deepEqual(deletionGuard(deletes(26), 100, 25), { deletions: 26, inSource: 0, held: 100, percent: 26, all: false });
  assert.equal(deletionGuard(deletes(1), 4, 25), null);
  assert.deepEqual(deletionGuard(deletes(2), 4, 25), { deletions: 2, inSource: 0, held: 4, percent: 50, all: false });
});

test('deleting every copy stops the run whatever the limit, even when it is the only one', () => {
  assert.deepEqual(deletionGuard(deletes(1), 1, 100), { deletions: 1, inSource: 0, held: 1, percent: 100, all: true });
  assert.deepEqual(deletionGuard(deletes(10), 10, 100), { deletions: 10, inSource: 0, held: 10, percent: 100, all: true });
});

test('a plan with no deletions, or only creations and updates, always goes on', () => {
  assert.equal(deletionGuard([], 0, 25), null);
  assert.equal(deletionGuard(creates(50), 10, 0), null);
});

test('deletions in the source (propagate) and of this pair\'s duplicates count; a foreign duplicate does not', () => {
  const propagate: Action = { kind: 'propagate', mapping: mapping('ev-p'), reason: 'deleted on the target' };
  const ownDuplicate: Action = { kind: 'discard', object: { ...listed('/t/dup.ics', '"d"', markers('ev-d')), etag: '"d"' }, reason: 'duplicate' };
  const foreignDuplicate: Action = { kind: 'discard', object: { ...listed('/t/f.ics', '"f"', null), etag: '"f"' }, reason: 'duplicate' };
  assert.deepEqual(deletionGuard([propagate, ownDuplicate, foreignDuplicate], 9, 10), { deletions: 2, inSource: 1, held: 9, percent: 20, all: false });
  assert.equal(deletionGuard([foreignDuplicate, foreignDuplicate], 10, 0), null);
});

test('a propagated deletion counts against the copies the pair had: its copy is already gone from the target', () => {
  const propagations = (n: number): Action[] => Array.from({ length: n }, (_, i) => ({ kind: 'propagate', mapping: mapping(`ev-${i}`), reason: 'deleted on the target' }));
  assert.equal(deletionGuard(propagations(3), 5, 50), null, '3 of 8 is 38%');
  assert.deepEqual(deletionGuard(propagations(3), 5, 25), { deletions: 3, inSource: 3, held: 5, percent: 38, all: false });
  assert.deepEqual(deletionGuard(propagations(8), 0, 100), { deletions: 8, inSource: 8, held: 0, percent: 100, all: true });
});
