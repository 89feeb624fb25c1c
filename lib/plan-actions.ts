// The whole decision of a run, as a pure function: what the source wants, what the target holds
// and what the state remembers in; the list of actions out. Sync, dry-run, verify and repair share it.
import type { Action, CopyPlace, DesiredCopy, Mapping, OccurrenceId, SourceProblem, SyncPolicy, SyncWindow, TargetObject } from './domain.ts';
import { overlapsWindow } from './instants.ts';
import { copyFileName } from './copy-identity.ts';
import { canonicalHash, copyText } from './render-copy.ts';

export interface PlanInput {
  pairKey: string;
  window: SyncWindow;
  desired: DesiredCopy[];
  /** Source events that could not be read: their copies are left exactly as they are. */
  problems: SourceProblem[];
  target: TargetObject[];
  mappings: Mapping[];
  policy: SyncPolicy;
}

export const DEFAULT_POLICY: SyncPolicy = { targetDeletions: 'recreate', targetEdits: 'overwrite', dedupeForeign: false, adoptForeign: false, deleteOrphans: false };

const keyOf = (id: OccurrenceId) => `${id.sourceUid}\0${id.recurrenceId}`;
const idOf = (id: OccurrenceId): OccurrenceId => ({ sourceUid: id.sourceUid, recurrenceId: id.recurrenceId });
/** The Python tool's rule for "the same event": same SUMMARY, same start. */
const sameEventKey = (summary: string, start: string) => `${summary}\0${Date.parse(start)}`;
const NO_ETAG = 'the target listed the copy without an ETag, so it cannot be written safely; retried next run';

function describe(id: Partial<OccurrenceId>): string {
  return id.recurrenceId ? `${id.sourceUid} @ ${id.recurrenceId}` : `${id.sourceUid}`;
}

/** Which of several copies of one event stays: the mapped one, else the lowest SEQUENCE, then the oldest. */
function keepOrder(mapped: Set<string>) {
  const created = (o: TargetObject) => (o.facts?.createdAt ? Date.parse(o.facts.createdAt) : Infinity);
  return (a: TargetObject, b: TargetObject) =>
    Number(mapped.has(b.href)) - Number(mapped.has(a.href)) ||
    (a.facts?.sequence ?? 0) - (b.facts?.sequence ?? 0) ||
    created(a) - created(b) ||
    a.href.localeCompare(b.href);
}

export function planActions(input: PlanInput): Action[] {
  const { pairKey, policy } = input;
  const targetByHref = new Map(input.target.map((object) => [object.href, object]));
  const mappingByKey = new Map(input.mappings.map((mapping) => [keyOf(mapping), mapping]));
  const mappedHrefs = new Set(input.mappings.map((mapping) => mapping.targetHref));
  const isOurs = (object: TargetObject, id: OccurrenceId) =>
    object.markers?.pairKey === pairKey && object.markers.sourceUid === id.sourceUid && object.markers.recurrenceId === id.recurrenceId;
  const isFromThisPair = (object: TargetObject) => object.markers?.pairKey === pairKey;
  const actions: Action[] = [];
  /** Hrefs this plan keeps or writes a wanted copy at, or has already decided about. */
  const claimed = new Set<string>();
  const keep = keepOrder(mappedHrefs);

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

  // Copies of this pair away from the href of their mapping: left by a crash, or by adoption.
  const strayCopies = new Map<string, TargetObject[]>();
  for (const object of input.target) {
    if (!isFromThisPair(object) || mappedHrefs.has(object.href)) continue;
    const key = keyOf(object.markers!);
    strayCopies.set(key, [...(strayCopies.get(key) ?? []), object]);
  }
  // Earlier copies by another tool (the Python one): same UID, or same SUMMARY and start.
  const foreignByUid = new Map<string, TargetObject[]>();
  const foreignBySameEvent = new Map<string, TargetObject[]>();
  if (policy.adoptForeign) {
    for (const object of input.target) {
      if (object.markers !== null || !object.facts || object.facts.recurring || object.etag === null || !object.span) continue;
      const byUid = foreignByUid.get(object.facts.uid) ?? [];
      foreignByUid.set(object.facts.uid, [...byUid, object]);
      const key = sameEventKey(object.facts.summary, object.span.start);
      foreignBySameEvent.set(key, [...(foreignBySameEvent.get(key) ?? []), object]);
    }
  }
  const earlierCopy = (copy: DesiredCopy): { object: TargetObject; rule: string } | undefined => {
    const free = (objects: TargetObject[] | undefined) => (objects ?? []).filter((o) => !claimed.has(o.href)).sort(keep);
    const stray = free(strayCopies.get(keyOf(copy)))[0];
    if (stray) return { object: stray, rule: 'a copy of this pair with no state (lost database or interrupted run)' };
    const sameUid = free(foreignByUid.get(copy.sourceUid));
    const byRid = sameUid.find((o) => o.facts!.recurrenceId !== '' && o.facts!.recurrenceId === copy.recurrenceId);
    const byStart = sameUid.find((o) => o.facts!.recurrenceId === '' && Date.parse(o.span!.start) === Date.parse(copy.start));
    const uidMatch = byRid ?? byStart ?? (copy.recurrenceId === '' ? sameUid.find((o) => o.facts!.recurrenceId === '') : undefined);
    if (uidMatch) return { object: uidMatch, rule: `an earlier copy of this occurrence (same UID${byRid ? ' and RECURRENCE-ID' : ''}) made by another tool` };
    const same = free(foreignBySameEvent.get(sameEventKey(copy.summary, copy.start)))[0];
    if (same) return { object: same, rule: 'an earlier copy of this occurrence (same SUMMARY and start) made by another tool' };
    return undefined;
  };
  /** The place of a copy being adopted: it keeps its href and, if it has its own, its UID. */
  const placeOf = (object: TargetObject, copy: DesiredCopy): CopyPlace => ({
    href: object.href,
    uid: object.facts && object.facts.uid !== copy.uid ? object.facts.uid : null,
  });
  const fresh = (copy: DesiredCopy): CopyPlace => ({ href: copy.targetHref, uid: null });
  /**
   * The place of a copy made again after it was deleted on the target: a UID (and href) the copy
   * never had, since servers with a trash bin (Nextcloud) refuse to store a deleted UID again.
   * Derived from the mapping, so a run that dies before recording the write finds it next time.
   */
  const remade = (copy: DesiredCopy, mapping: Mapping): CopyPlace => {
    const generation = Number(new RegExp(`^${copy.uid}-r(\\d+)$`).exec(mapping.targetUid ?? '')?.[1] ?? 1) + 1;
    const uid = `${copy.uid}-r${generation}`;
    return { href: `${copy.targetHref.slice(0, -copyFileName(copy.uid).length)}${copyFileName(uid)}`, uid };
  };
  /** A copy of the occurrence already made at `place` by a run that died before recording it: relinked or adopted instead of written twice. */
  const madeBefore = (copy: DesiredCopy, reason: string): Action | undefined => {
    const made = (strayCopies.get(keyOf(copy)) ?? []).filter((o) => !claimed.has(o.href) && o.etag !== null).sort(keep)[0];
    if (!made) return undefined;
    claimed.add(made.href);
    const at = placeOf(made, copy);
    if (made.facts?.canonicalHash === canonicalHash(copyText(copy, at))) {
      return { kind: 'relink', copy, place: at, etag: made.etag!, reason: `${reason}; it was already made at ${made.href} by a run that stopped before recording it, just as the source has it: its state is rebuilt without a write` };
    }
    return { kind: 'adopt', copy, place: at, etag: made.etag!, reason: `${reason}; a copy made at ${made.href} by a run that stopped before recording it is adopted` };
  };
  /** A copy made again after its deletion on the target (or found already made). */
  const makeAgain = (copy: DesiredCopy, mapping: Mapping, reason: string): Action => {
    const found = madeBefore(copy, reason);
    if (found) return found;
    const place = remade(copy, mapping);
    claimed.add(place.href);
    return { kind: 'create', copy, place, reason };
  };

  const wanted = new Map<string, DesiredCopy>();
  for (const copy of input.desired) {
    const key = keyOf(copy);
    if (wanted.has(key)) {
      actions.push({ kind: 'skip', id: idOf(copy), sourceHref: copy.sourceHref, reason: `occurrence ${describe(copy)} appears twice in the source; the first one is synced` });
      continue;
    }
    wanted.set(key, copy);
    const mapping = mappingByKey.get(key);
    if (mapping) {
      actions.push(planMapped(copy, mapping));
      continue;
    }
    const existing = targetByHref.get(copy.targetHref);
    claimed.add(copy.targetHref);
    if (existing && !isOurs(existing, copy)) {
      actions.push({ kind: 'skip', id: idOf(copy), sourceHref: copy.sourceHref, targetHref: copy.targetHref, reason: `the target holds an object at ${copy.targetHref} without this pair's markers; left alone` });
    } else if (existing?.etag === null) {
      actions.push({ kind: 'skip', id: idOf(copy), targetHref: copy.targetHref, reason: NO_ETAG });
    } else if (existing?.facts && existing.facts.canonicalHash === canonicalHash(copy.ics)) {
      actions.push({ kind: 'relink', copy, place: fresh(copy), etag: existing.etag!, reason: 'a copy of this pair was found at its own href with no state (lost database or interrupted run), just as the source has it; its state is rebuilt without a write' });
    } else if (existing) {
      actions.push({ kind: 'adopt', copy, place: fresh(copy), etag: existing.etag!, reason: 'a copy of this pair was found at its own href with no state (lost database or interrupted run); adopted' });
    } else {
      const earlier = earlierCopy(copy);
      if (earlier?.object.etag) {
        claimed.add(earlier.object.href);
        actions.push({ kind: 'adopt', copy, place: placeOf(earlier.object, copy), etag: earlier.object.etag, reason: `${earlier.rule} was found at ${earlier.object.href}; adopted in place` });
      } else {
        actions.push({ kind: 'create', copy, place: fresh(copy), reason: 'new occurrence in the source' });
      }
    }
  }

  function planMapped(copy: DesiredCopy, mapping: Mapping): Action {
    const place: CopyPlace = { href: mapping.targetHref, uid: mapping.targetUid };
    const existing = targetByHref.get(place.href);
    claimed.add(place.href);
    if (mapping.copyState === 'deleted-on-target' && !existing) {
      if (mapping.contentHash === copy.contentHash) return { kind: 'unchanged', copy };
      return makeAgain(copy, mapping, 'the source occurrence changed since its copy was deleted on the target; created again');
    }
    if (!existing) {
      if (policy.targetDeletions === 'respect' && mapping.contentHash === copy.contentHash) {
        return { kind: 'respect', mapping, reason: 'the copy was deleted on the target; it stays deleted until the source occurrence changes (TARGET_DELETIONS=respect)' };
      }
      if (policy.targetDeletions === 'respect') {
        return makeAgain(copy, mapping, 'the copy was deleted on the target, but the source occurrence has changed since; created again (TARGET_DELETIONS=respect)');
      }
      if (policy.targetDeletions === 'propagate') return { kind: 'propagate', mapping, reason: 'the copy was deleted on the target; the occurrence is deleted in the source (TARGET_DELETIONS=propagate)' };
      return makeAgain(copy, mapping, 'the copy was deleted on the target; recreated (the source is the truth)');
    }
    if (existing.etag !== null && existing.etag === mapping.targetEtag && mapping.copyState === 'synced') {
      if (mapping.contentHash === copy.contentHash) return { kind: 'unchanged', copy };
      return { kind: 'update', copy, place, etag: existing.etag, reason: 'the source occurrence changed' };
    }
    if (!isOurs(existing, copy)) {
      return { kind: 'skip', id: idOf(copy), sourceHref: copy.sourceHref, targetHref: place.href, reason: `the target holds an object at ${place.href} without this pair's markers; left alone` };
    }
    if (existing.etag === null) return { kind: 'skip', id: idOf(copy), targetHref: place.href, reason: NO_ETAG };
    if (policy.targetEdits === 'keep') {
      return { kind: 'conflict', id: idOf(copy), targetHref: place.href, reason: 'the copy was changed on the target since the last run; kept as it is (TARGET_EDITS=keep)' };
    }
    return { kind: 'update', copy, place, etag: existing.etag, reason: 'the copy was changed on the target; overwritten (the source wins)' };
  }

  const sourceUidsWanted = new Set(input.desired.map((copy) => copy.sourceUid));
  for (const mapping of input.mappings) {
    if (wanted.has(keyOf(mapping))) continue;
    if (unreadableUids.has(mapping.sourceUid) || unreadableHrefs.has(mapping.sourceHref)) {
      claimed.add(mapping.targetHref);
      continue;
    }
    const start = Date.parse(mapping.instanceStart);
    const end = Date.parse(mapping.instanceEnd);
    claimed.add(mapping.targetHref);
    if (!overlapsWindow(start, end, input.window)) {
      actions.push({ kind: 'retire', mapping, reason: 'the occurrence left the sync window; the copy stays' });
      continue;
    }
    const gone = sourceUidsWanted.has(mapping.sourceUid)
      ? 'the occurrence is no longer part of the series (excluded, cancelled or moved)'
      : 'the event is no longer in the source within the window (deleted, cancelled or moved)';
    const existing = targetByHref.get(mapping.targetHref);
    if (!existing) {
      const already = mapping.copyState === 'deleted-on-target' ? 'its copy had been deleted on the target' : 'the copy was already gone from the target';
      actions.push({ kind: 'retire', mapping, reason: `${gone}; ${already}` });
    } else if (existing.etag !== null && existing.etag === mapping.targetEtag) {
      actions.push({ kind: 'delete', mapping, etag: existing.etag, reason: gone });
    } else if (isOurs(existing, mapping)) {
      if (existing.etag === null) actions.push({ kind: 'skip', id: idOf(mapping), targetHref: mapping.targetHref, reason: `${gone}, but ${NO_ETAG}` });
      else if (policy.targetEdits === 'keep') actions.push({ kind: 'conflict', id: idOf(mapping), targetHref: mapping.targetHref, reason: `${gone}, but the copy was changed on the target; kept as it is (TARGET_EDITS=keep)` });
      else actions.push({ kind: 'delete', mapping, etag: existing.etag, reason: `${gone} (the copy had been changed on the target)` });
    } else {
      actions.push({ kind: 'skip', id: idOf(mapping), targetHref: mapping.targetHref, reason: `${gone}, but the object at ${mapping.targetHref} no longer carries this pair's markers; left alone` });
    }
  }

  actions.push(...planDuplicates());

  for (const object of input.target) {
    if (!isFromThisPair(object) || claimed.has(object.href)) continue;
    // A copy whose occurrence is outside the window is one that left it (or will enter it): not an orphan.
    if (object.span && !overlapsWindow(Date.parse(object.span.start), Date.parse(object.span.end), input.window)) continue;
    if (policy.deleteOrphans && object.etag !== null) {
      actions.push({ kind: 'discard', object: { ...object, etag: object.etag }, reason: 'a copy of this pair that the state does not know and whose occurrence is not in the source (orphan); deleted (--delete-orphans)' });
    } else {
      actions.push({ kind: 'skip', id: idOf(object.markers!), targetHref: object.href, reason: 'a copy of this pair that the state does not know (orphan); left alone' });
    }
  }
  return actions;

  /**
   * Objects that are the same event as another (same occurrence of this pair, or same SUMMARY and
   * start) inside the window: this pair's extra copies are deleted; foreign ones are reported, or
   * deleted by the same keep rule with --dedupe-foreign. Another pair's copies are never touched.
   */
  function planDuplicates(): Action[] {
    const groups = new Map<string, TargetObject[]>();
    const join = (key: string, object: TargetObject) => groups.set(key, [...(groups.get(key) ?? []), object]);
    for (const object of input.target) {
      if (object.markers !== null && !isFromThisPair(object)) continue;
      if (!object.span || !overlapsWindow(Date.parse(object.span.start), Date.parse(object.span.end), input.window)) continue;
      if (object.facts && !object.facts.recurring) join(`event\0${sameEventKey(object.facts.summary, object.span.start)}`, object);
      if (object.markers) join(`copy\0${keyOf(object.markers)}`, object);
    }
    // A copy created by this run is a member too: a foreign event it duplicates is told at once.
    for (const action of actions) {
      if (action.kind !== 'create') continue;
      const { copy, place } = action;
      const facts = { uid: copy.uid, recurrenceId: '', summary: copy.summary, recurring: false, sequence: 0, createdAt: '', canonicalHash: '' };
      join(`event\0${sameEventKey(copy.summary, copy.start)}`, { href: place.href, etag: null, markers: { pairKey, ...idOf(copy) }, span: { start: copy.start, end: copy.end }, facts });
    }
    const planned: Action[] = [];
    const decided = new Set<string>();
    for (const group of groups.values()) {
      const members = group.filter((o) => !decided.has(o.href));
      if (members.length < 2) continue;
      const kept = members.filter((o) => claimed.has(o.href));
      const rest = members.filter((o) => !claimed.has(o.href)).sort(keep);
      // With nothing claimed, the first by the keep rule (this pair's copies first) stays.
      if (kept.length === 0) kept.push(...rest.splice(rest.findIndex(isFromThisPair) >= 0 ? rest.findIndex(isFromThisPair) : 0, 1));
      const keeper = kept.sort(keep)[0];
      for (const object of rest) {
        decided.add(object.href);
        claimed.add(object.href);
        const id = object.markers ? idOf(object.markers) : {};
        const same = object.markers && keeper.markers && keyOf(object.markers) === keyOf(keeper.markers) ? 'another copy of the same occurrence' : 'the same event (same SUMMARY and start)';
        if (!isFromThisPair(object) && !policy.dedupeForeign) {
          planned.push({ kind: 'report', id, targetHref: object.href, reason: `a foreign object that is ${same} as ${keeper.href}; left alone (--dedupe-foreign deletes such duplicates)` });
        } else if (object.etag === null) {
          planned.push({ kind: 'skip', id, targetHref: object.href, reason: `a duplicate of ${keeper.href}, but ${NO_ETAG}` });
        } else {
          planned.push({ kind: 'discard', object: { ...object, etag: object.etag }, reason: `a duplicate: ${same} as ${keeper.href}, which is kept` });
        }
      }
    }
    return planned;
  }
}
