// The whole decision of a run, as a pure function: what the source wants, what the target holds
// and what the state remembers in; the list of actions out. Sync, dry-run, verify and repair share it.
import type { Action, DesiredCopy, Mapping, OccurrenceId, SourceProblem, SyncWindow, TargetObject } from './domain.ts';
import { overlapsWindow } from './instants.ts';

export interface PlanInput {
  pairKey: string;
  window: SyncWindow;
  desired: DesiredCopy[];
  /** Source events that could not be read: their copies are left exactly as they are. */
  problems: SourceProblem[];
  target: TargetObject[];
  mappings: Mapping[];
}

const keyOf = (id: OccurrenceId) => `${id.sourceUid}\0${id.recurrenceId}`;
const idOf = (id: OccurrenceId): OccurrenceId => ({ sourceUid: id.sourceUid, recurrenceId: id.recurrenceId });
const NO_ETAG = 'the target listed the copy without an ETag, so it cannot be written safely; retried next run';

function describe(id: Partial<OccurrenceId>): string {
  return id.recurrenceId ? `${id.sourceUid} @ ${id.recurrenceId}` : `${id.sourceUid}`;
}

export function planActions(input: PlanInput): Action[] {
  const { pairKey } = input;
  const targetByHref = new Map(input.target.map((object) => [object.href, object]));
  const mappingByKey = new Map(input.mappings.map((mapping) => [keyOf(mapping), mapping]));
  const isOurs = (object: TargetObject, id: OccurrenceId) =>
    object.markers?.pairKey === pairKey &&
    object.markers.sourceUid === id.sourceUid &&
    object.markers.recurrenceId === id.recurrenceId;
  const actions: Action[] = [];

  const unreadableUids = new Set<string>();
  const unreadableHrefs = new Set<string>();
  for (const problem of input.problems) {
    if (problem.sourceUid !== undefined) unreadableUids.add(problem.sourceUid);
    else unreadableHrefs.add(problem.sourceHref);
    actions.push({
      kind: 'skip',
      id: problem.sourceUid === undefined ? {} : { sourceUid: problem.sourceUid },
      sourceHref: problem.sourceHref,
      reason: `source ${problem.sourceUid ? `event ${problem.sourceUid}` : `object ${problem.sourceHref}`} ${problem.reason}; skipped, its copies are left as they are`,
    });
  }

  const wanted = new Map<string, DesiredCopy>();
  for (const copy of input.desired) {
    const key = keyOf(copy);
    if (wanted.has(key)) {
      actions.push({ kind: 'skip', id: idOf(copy), sourceHref: copy.sourceHref, reason: `occurrence ${describe(copy)} appears twice in the source; the first one is synced` });
      continue;
    }
    wanted.set(key, copy);
    const mapping = mappingByKey.get(key);
    const existing = targetByHref.get(copy.targetHref);
    if (!existing) {
      const reason = mapping ? 'the copy was deleted on the target; recreated (the source is the truth)' : 'new occurrence in the source';
      actions.push({ kind: 'create', copy, reason });
    } else if (mapping && existing.etag !== null && existing.etag === mapping.targetEtag) {
      if (mapping.contentHash === copy.contentHash) actions.push({ kind: 'unchanged', copy });
      else actions.push({ kind: 'update', copy, etag: existing.etag, reason: 'the source occurrence changed' });
    } else if (!isOurs(existing, copy)) {
      actions.push({ kind: 'skip', id: idOf(copy), sourceHref: copy.sourceHref, targetHref: copy.targetHref, reason: `the target holds an object at ${copy.targetHref} without this pair's markers; left alone` });
    } else if (existing.etag === null) {
      actions.push({ kind: 'skip', id: idOf(copy), targetHref: copy.targetHref, reason: NO_ETAG });
    } else if (mapping) {
      actions.push({ kind: 'update', copy, etag: existing.etag, reason: 'the copy was changed on the target; overwritten (the source wins)' });
    } else {
      actions.push({ kind: 'adopt', copy, etag: existing.etag, reason: 'a copy of this pair was found at its own href with no state (lost database or interrupted run); adopted' });
    }
  }

  const sourceUidsWanted = new Set(input.desired.map((copy) => copy.sourceUid));
  const mappedHrefs = new Set<string>();
  for (const mapping of input.mappings) {
    mappedHrefs.add(mapping.targetHref);
    if (wanted.has(keyOf(mapping))) continue;
    if (unreadableUids.has(mapping.sourceUid) || unreadableHrefs.has(mapping.sourceHref)) continue;
    const start = Date.parse(mapping.instanceStart);
    const end = Date.parse(mapping.instanceEnd);
    if (!overlapsWindow(start, end, input.window)) {
      actions.push({ kind: 'retire', mapping, reason: 'the occurrence left the sync window; the copy stays' });
      continue;
    }
    const gone = sourceUidsWanted.has(mapping.sourceUid)
      ? 'the occurrence is no longer part of the series (excluded, cancelled or moved)'
      : 'the event is no longer in the source within the window (deleted, cancelled or moved)';
    const existing = targetByHref.get(mapping.targetHref);
    if (!existing) {
      actions.push({ kind: 'retire', mapping, reason: `${gone}; the copy was already gone from the target` });
    } else if (existing.etag !== null && existing.etag === mapping.targetEtag) {
      actions.push({ kind: 'delete', mapping, etag: existing.etag, reason: gone });
    } else if (isOurs(existing, mapping)) {
      if (existing.etag === null) actions.push({ kind: 'skip', id: idOf(mapping), targetHref: mapping.targetHref, reason: `${gone}, but ${NO_ETAG}` });
      else actions.push({ kind: 'delete', mapping, etag: existing.etag, reason: `${gone} (the copy had been changed on the target)` });
    } else {
      actions.push({ kind: 'skip', id: idOf(mapping), targetHref: mapping.targetHref, reason: `${gone}, but the object at ${mapping.targetHref} no longer carries this pair's markers; left alone` });
    }
  }

  for (const object of input.target) {
    if (object.markers?.pairKey !== pairKey || mappedHrefs.has(object.href)) continue;
    if (wanted.has(keyOf(object.markers))) continue;
    // A copy whose occurrence is outside the window is one that left it (or will enter it): not an orphan.
    if (object.span && !overlapsWindow(Date.parse(object.span.start), Date.parse(object.span.end), input.window)) continue;
    actions.push({ kind: 'skip', id: idOf(object.markers), targetHref: object.href, reason: 'a copy of this pair that the state does not know (orphan); left alone' });
  }
  return actions;
}
