// TARGET_DELETIONS=propagate: a copy the user deleted on the target is deleted in the source too.
// A single event is deleted; an occurrence of a series becomes an EXDATE on its master (and its
// override, if any, is removed). Each source object is written once, with If-Match on the ETag it
// was read at, so an edit made in the source meanwhile is never lost: the write fails and the next
// run decides again.
import ICAL from 'ical.js';
import type { SyncState } from '../db/sync-state.ts';
import type { Action, SourceObject } from './domain.ts';
import type { ActionOutcome } from './apply-action.ts';
import type { WritableSource } from './endpoints/endpoint.ts';
import { canonicalRecurrenceId } from './instants.ts';
import { registerTimezones } from './time-zones.ts';

type Propagation = Extract<Action, { kind: 'propagate' }>;

/** The source object without the given occurrences, or null when nothing of it is left. */
export function withoutOccurrences(data: string, recurrenceIds: Set<string>): string | null {
  const calendar = new ICAL.Component(ICAL.parse(data) as unknown[]);
  const vevents = calendar.getAllSubcomponents('vevent');
  registerTimezones(calendar.getAllSubcomponents('vtimezone'), vevents);
  const master = vevents.find((v) => !v.hasProperty('recurrence-id'));
  const isSeries = master !== undefined && (master.hasProperty('rrule') || master.hasProperty('rdate'));
  for (const vevent of vevents) {
    const rid = vevent.getFirstPropertyValue('recurrence-id') as ICAL.Time | null;
    const matches = rid ? recurrenceIds.has(canonicalRecurrenceId(rid)) : !isSeries && recurrenceIds.has('');
    if (matches) calendar.removeSubcomponent(vevent);
  }
  if (isSeries) {
    for (const rid of recurrenceIds) {
      if (rid === '') continue;
      // The canonical form is UTC for zoned times, which RFC 5545 allows in EXDATE whatever DTSTART's zone.
      master.addProperty(ICAL.Property.fromString(/^\d{8}$/.test(rid) ? `EXDATE;VALUE=DATE:${rid}` : `EXDATE:${rid}`));
    }
  }
  return calendar.getAllSubcomponents('vevent').length === 0 ? null : `${calendar.toString()}\r\n`;
}

/** Applies the propagations, one source write per source object; returns the outcome of each. */
export async function propagateDeletions(
  propagations: Propagation[],
  source: WritableSource,
  sourceObjects: SourceObject[],
  state: SyncState,
  runId: number,
): Promise<Map<Propagation, ActionOutcome>> {
  const outcomes = new Map<Propagation, ActionOutcome>();
  const byHref = new Map<string, Propagation[]>();
  for (const p of propagations) byHref.set(p.mapping.sourceHref, [...(byHref.get(p.mapping.sourceHref) ?? []), p]);
  const objects = new Map(sourceObjects.map((o) => [o.href, o]));
  for (const [href, group] of byHref) {
    const entryOf = (p: Propagation) => ({
      action: 'propagate',
      id: p.mapping,
      sourceHref: href,
      targetHref: p.mapping.targetHref,
      etagBefore: objects.get(href)?.etag ?? null,
      contentBefore: objects.get(href)?.data ?? null,
    });
    try {
      const object = objects.get(href);
      if (!object) throw new Error(`the source object ${href} is no longer there`);
      const rest = withoutOccurrences(object.data, new Set(group.map((p) => p.mapping.recurrenceId)));
      let etagAfter: string | null = null;
      if (rest === null) await source.remove(href, object.etag);
      else etagAfter = await source.update(href, rest, object.etag);
      for (const p of group) {
        state.recordForget(runId, p.mapping, { ...entryOf(p), etagAfter, outcome: 'ok', reason: p.reason });
        outcomes.set(p, 'ok');
      }
    } catch (error) {
      for (const p of group) {
        state.recordOnly(runId, { ...entryOf(p), outcome: 'failed', reason: `${p.reason}; failed: ${(error as Error).message}` });
        outcomes.set(p, { failed: (error as Error).message });
      }
    }
  }
  return outcomes;
}
