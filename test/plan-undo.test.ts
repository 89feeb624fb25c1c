// planUndo: which writes of a run can be reverted, in which order, and why the others cannot.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeUndoStep, planUndo, type WriteRecord } from '../lib/plan-undo.ts';

let nextId = 1;
function row(action: string, fields: Partial<WriteRecord> = {}): WriteRecord {
  return {
    id: nextId++,
    action,
    outcome: 'ok',
    sourceUid: 'ev@test',
    recurrenceId: '',
    sourceHref: '/cal/source/ev.ics',
    targetHref: '/cal/target/copy.ics',
    etagBefore: null,
    etagAfter: null,
    contentBefore: null,
    ...fields,
  };
}

const target = (entries: Record<string, string | null>) => new Map(Object.entries(entries));
const none = new Map<number, number>();

describe('planUndo', () => {
  test('a created copy still as the run left it is removed, If-Match on the ETag the run got', () => {
    const created = row('create', { etagAfter: '"e1"' });
    assert.deepEqual(planUndo({ rows: [created], target: target({ '/cal/target/copy.ics': '"e1"' }), source: null, undone: none }), [
      { kind: 'remove', row: created, href: '/cal/target/copy.ics', etag: '"e1"' },
    ]);
  });

  test('a created copy changed or deleted since is left alone, with the reason', () => {
    const created = row('create', { etagAfter: '"e1"' });
    assert.deepEqual(planUndo({ rows: [created], target: target({ '/cal/target/copy.ics': '"e2"' }), source: null, undone: none }), [
      { kind: 'cannot', row: created, reason: '/cal/target/copy.ics has changed since (ETag "e2", the run left "e1"); left as it is' },
    ]);
    assert.deepEqual(planUndo({ rows: [created], target: target({}), source: null, undone: none }), [
      { kind: 'cannot', row: created, reason: '/cal/target/copy.ics is no longer there; left as it is' },
    ]);
  });

  test('a write the server gave no ETag for is left alone for that reason, whatever stands at its href now', () => {
    const created = row('create', { etagAfter: null });
    const updated = row('update', { targetHref: '/cal/target/other.ics', etagBefore: '"o0"', etagAfter: null, contentBefore: 'BEGIN:VCALENDAR earlier' });
    assert.deepEqual(planUndo({ rows: [created, updated], target: target({ '/cal/target/copy.ics': '"e1"', '/cal/target/other.ics': '"o1"' }), source: null, undone: none }), [
      { kind: 'cannot', row: updated, reason: 'the server gave no ETag for the copy, so it cannot be written safely; left as it is' },
      { kind: 'cannot', row: created, reason: 'the server gave no ETag for the copy, so it cannot be deleted safely; left as it is' },
    ]);
  });

  test('an updated or adopted copy gets its earlier text back, If-Match', () => {
    const updated = row('update', { etagBefore: '"e0"', etagAfter: '"e1"', contentBefore: 'BEGIN:VCALENDAR earlier' });
    const adopted = row('adopt', { targetHref: '/cal/target/old.ics', etagBefore: '"o0"', etagAfter: '"o1"', contentBefore: 'BEGIN:VCALENDAR python' });
    assert.deepEqual(planUndo({ rows: [updated, adopted], target: target({ '/cal/target/copy.ics': '"e1"', '/cal/target/old.ics': '"o1"' }), source: null, undone: none }), [
      { kind: 'restore', row: adopted, href: '/cal/target/old.ics', etag: '"o1"', content: 'BEGIN:VCALENDAR python' },
      { kind: 'restore', row: updated, href: '/cal/target/copy.ics', etag: '"e1"', content: 'BEGIN:VCALENDAR earlier' },
    ]);
  });

  test('an update whose earlier text was not recorded cannot be undone', () => {
    const updated = row('update', { etagBefore: '"e0"', etagAfter: '"e1"' });
    assert.deepEqual(planUndo({ rows: [updated], target: target({ '/cal/target/copy.ics': '"e1"' }), source: null, undone: none }), [
      { kind: 'cannot', row: updated, reason: 'its earlier text was not recorded (the run is older than undo); left as it is' },
    ]);
  });

  test('a deleted copy and a discarded duplicate are put back, only where nothing is now', () => {
    const deleted = row('delete', { etagBefore: '"e1"', contentBefore: 'BEGIN:VCALENDAR deleted' });
    const discarded = row('discard', { sourceUid: null, targetHref: '/cal/target/dup.ics', etagBefore: '"d1"', contentBefore: 'BEGIN:VCALENDAR dup' });
    assert.deepEqual(planUndo({ rows: [deleted, discarded], target: target({}), source: null, undone: none }), [
      { kind: 'recreate', row: discarded, href: '/cal/target/dup.ics', content: 'BEGIN:VCALENDAR dup' },
      { kind: 'recreate', row: deleted, href: '/cal/target/copy.ics', content: 'BEGIN:VCALENDAR deleted' },
    ]);
    assert.deepEqual(planUndo({ rows: [deleted], target: target({ '/cal/target/copy.ics': '"new"' }), source: null, undone: none }), [
      { kind: 'cannot', row: deleted, reason: 'something is at /cal/target/copy.ics again (ETag "new"); left as it is' },
    ]);
  });

  test('the occurrences one source write deleted are put back by one write; a deleted source object is created again', () => {
    const first = row('propagate', { recurrenceId: '20261005T073000Z', etagBefore: '"s0"', etagAfter: '"s1"', contentBefore: 'BEGIN:VCALENDAR series' });
    const second = row('propagate', { recurrenceId: '20261007T073000Z', etagBefore: '"s0"', etagAfter: '"s1"', contentBefore: 'BEGIN:VCALENDAR series' });
    const single = row('propagate', { sourceHref: '/cal/source/single.ics', etagBefore: '"x0"', etagAfter: null, contentBefore: 'BEGIN:VCALENDAR single' });
    assert.deepEqual(planUndo({ rows: [first, second, single], target: target({}), source: target({ '/cal/source/ev.ics': '"s1"' }), undone: none }), [
      { kind: 'restore-source', rows: [single], href: '/cal/source/single.ics', etag: null, content: 'BEGIN:VCALENDAR single' },
      { kind: 'restore-source', rows: [first, second], href: '/cal/source/ev.ics', etag: '"s1"', content: 'BEGIN:VCALENDAR series' },
    ]);
  });

  test('a source that cannot be written, or changed since, leaves each occurrence with the reason', () => {
    const propagated = row('propagate', { etagBefore: '"s0"', etagAfter: '"s1"', contentBefore: 'BEGIN:VCALENDAR series' });
    assert.deepEqual(planUndo({ rows: [propagated], target: target({}), source: null, undone: none }), [
      { kind: 'cannot', row: propagated, reason: 'the run deleted it in the source, which is now a file or feed that cannot be written; left as it is' },
    ]);
    assert.deepEqual(planUndo({ rows: [propagated], target: target({}), source: target({ '/cal/source/ev.ics': '"s2"' }), undone: none }), [
      { kind: 'cannot', row: propagated, reason: 'the source object /cal/source/ev.ics has changed since (ETag "s2", the run left "s1"); left as it is' },
    ]);
  });

  test('failed writes and actions that wrote nothing are not undone; rows undone before say by which run', () => {
    const failed = row('create', { outcome: 'failed', etagAfter: null });
    const others = ['relink', 'respect', 'retire', 'conflict', 'report', 'skip'].map((action) => row(action, { etagAfter: '"e1"' }));
    const created = row('create', { etagAfter: '"e1"' });
    assert.deepEqual(planUndo({ rows: [failed, ...others, created], target: target({ '/cal/target/copy.ics': '"e1"' }), source: null, undone: new Map([[created.id, 7]]) }), [
      { kind: 'already', row: created, byRun: 7 },
    ]);
  });

  test('each step is told in one line naming the occurrence, the href and the run', () => {
    const created = row('create', { recurrenceId: '20261005T073000Z', etagAfter: '"e1"' });
    const [step] = planUndo({ rows: [created], target: target({ '/cal/target/copy.ics': '"e1"' }), source: null, undone: none });
    assert.equal(describeUndoStep(step, 12), 'remove the copy of ev@test @ 20261005T073000Z (/cal/target/copy.ics) that run 12 created');
  });
});
