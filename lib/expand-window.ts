// Source objects in, the occurrences inside the window out, each as a standalone VEVENT.
import ICAL from 'ical.js';
import type { SourceInstance, SourceObject, SourceProblem, SyncWindow } from './domain.ts';
import { registerTimezones, tzidsUsedBy } from './time-zones.ts';
import { canonicalRecurrenceId, instantOf, overlapsWindow, rfc3339 } from './instants.ts';
import { parseCalendar } from './parse-calendar.ts';

/** Bounds that keep a hostile or endless series from hanging a run (stated in the README). */
export const EXPANSION_LIMITS = {
  /** Occurrences stepped through for one series, before or inside the window. */
  stepsPerSeries: 100_000,
  /** Occurrences of one series kept inside the window. */
  instancesPerSeries: 5_000,
};

export interface Expansion {
  instances: SourceInstance[];
  problems: SourceProblem[];
  warnings: string[];
}

const RECURRENCE_PROPERTIES = ['rrule', 'rdate', 'exdate', 'exrule', 'recurrence-id'];

function isCancelled(vevent: ICAL.Component): boolean {
  return String(vevent.getFirstPropertyValue('status') ?? '').toUpperCase() === 'CANCELLED';
}

function eventDuration(vevent: ICAL.Component, start: ICAL.Time): ICAL.Duration {
  const duration = vevent.getFirstPropertyValue('duration');
  if (duration instanceof ICAL.Duration) return duration;
  const end = vevent.getFirstPropertyValue('dtend');
  if (end instanceof ICAL.Time) return end.subtractDate(start);
  // RFC 5545 3.6.1: no DTEND means one day for a DATE, zero length for a DATE-TIME.
  return ICAL.Duration.fromData(start.isDate ? { days: 1 } : {});
}

/** Sets a time property to `time`, keeping TZID in step with the time's zone. */
function setTime(vevent: ICAL.Component, name: string, time: ICAL.Time): void {
  const property = vevent.getFirstProperty(name) ?? vevent.addPropertyWithValue(name, time);
  property.setValue(time);
  const tzid = time.zone?.tzid;
  if (!time.isDate && tzid && tzid !== 'UTC' && tzid !== 'floating') property.setParameter('tzid', tzid);
  else property.removeParameter('tzid');
}

interface Occurrence {
  base: ICAL.Component;
  recurrenceId: string;
  start: ICAL.Time;
  end: ICAL.Time;
  /** True when the base's own DTSTART/DTEND already describe this occurrence (an override, a single). */
  explicit: boolean;
}

function standalone(occurrence: Occurrence): ICAL.Component {
  const vevent = new ICAL.Component(structuredClone(occurrence.base.jCal));
  for (const name of RECURRENCE_PROPERTIES) vevent.removeAllProperties(name);
  if (!occurrence.explicit) {
    setTime(vevent, 'dtstart', occurrence.start);
    if (vevent.hasProperty('dtend')) {
      const dtendZone = (vevent.getFirstPropertyValue('dtend') as ICAL.Time).zone;
      setTime(vevent, 'dtend', dtendZone ? occurrence.end.convertToZone(dtendZone) : occurrence.end);
    }
  }
  return vevent;
}

function explicitOccurrence(vevent: ICAL.Component, recurrenceId: string): Occurrence {
  const start = vevent.getFirstPropertyValue('dtstart');
  if (!(start instanceof ICAL.Time)) throw new Error('it has no DTSTART');
  const end = start.clone();
  end.addDuration(eventDuration(vevent, start));
  return { base: vevent, recurrenceId, start, end, explicit: true };
}

/** Every occurrence of a series up to `horizon` (epoch ms), overrides applied, cancelled ones left out. */
function seriesOccurrences(
  master: ICAL.Component,
  overrides: Map<string, ICAL.Component>,
  horizon: number,
  warn: (message: string) => void,
): Occurrence[] {
  const dtstart = master.getFirstPropertyValue('dtstart') as ICAL.Time;
  const duration = eventDuration(master, dtstart);
  const excluded = new Set<string>();
  for (const property of master.getAllProperties('exdate')) {
    for (const value of property.getValues()) if (value instanceof ICAL.Time) excluded.add(canonicalRecurrenceId(value));
  }
  const seen = new Set<string>();
  const occurrences: Occurrence[] = [];
  const take = (start: ICAL.Time) => {
    const recurrenceId = canonicalRecurrenceId(start);
    if (seen.has(recurrenceId)) return; // an RDATE equal to an RRULE occurrence is one occurrence
    seen.add(recurrenceId);
    const override = overrides.get(recurrenceId);
    if (override) {
      if (!isCancelled(override)) occurrences.push(explicitOccurrence(override, recurrenceId));
      return;
    }
    const end = start.clone();
    end.addDuration(duration);
    occurrences.push({ base: master, recurrenceId, start, end, explicit: false });
  };
  // RFC 5545 3.8.5.3: DTSTART is always the first instance, whether or not the rule matches it.
  if (!excluded.has(canonicalRecurrenceId(dtstart))) take(dtstart);
  const iterator = new ICAL.Event(master).iterator();
  let steps = 0;
  for (let next = iterator.next(); next; next = iterator.next()) {
    if (instantOf(next) >= horizon) break;
    if (++steps > EXPANSION_LIMITS.stepsPerSeries) {
      warn(`stopped after ${EXPANSION_LIMITS.stepsPerSeries} occurrences`);
      break;
    }
    take(next);
  }
  // An override whose occurrence the rule does not produce still stands as an occurrence of its own.
  for (const [recurrenceId, override] of overrides) {
    if (!seen.has(recurrenceId) && !isCancelled(override)) occurrences.push(explicitOccurrence(override, recurrenceId));
  }
  return occurrences;
}

function occurrencesOf(
  vevents: ICAL.Component[],
  window: SyncWindow,
  warn: (message: string) => void,
): Occurrence[] {
  const masters = vevents.filter((v) => !v.hasProperty('recurrence-id'));
  if (masters.length > 1) throw new Error(`it has ${masters.length} VEVENTs without RECURRENCE-ID`);
  const overrides = new Map<string, ICAL.Component>();
  for (const vevent of vevents) {
    const rid = vevent.getFirstPropertyValue('recurrence-id');
    if (rid instanceof ICAL.Time) overrides.set(canonicalRecurrenceId(rid), vevent);
  }
  const [master] = masters;
  if (!master) {
    return [...overrides].filter(([, v]) => !isCancelled(v)).map(([rid, v]) => explicitOccurrence(v, rid));
  }
  if (!(master.getFirstPropertyValue('dtstart') instanceof ICAL.Time)) throw new Error('it has no DTSTART');
  if (isCancelled(master)) return [];
  for (const rule of master.getAllProperties('rrule')) {
    if (!(rule.getFirstValue() as ICAL.Recur).freq) throw new Error('its RRULE has no FREQ');
  }
  if (!master.hasProperty('rrule') && !master.hasProperty('rdate')) return [explicitOccurrence(master, '')];
  // Overrides may move an occurrence from beyond the window into it: step far enough to meet them.
  let horizon = window.end;
  for (const override of overrides.values()) {
    horizon = Math.max(horizon, instantOf(override.getFirstPropertyValue('recurrence-id') as ICAL.Time) + 1);
  }
  return seriesOccurrences(master, overrides, horizon, warn);
}

/** Expands every source object into the occurrences that overlap the window. */
export function expandWindow(objects: SourceObject[], window: SyncWindow): Expansion {
  const result: Expansion = { instances: [], problems: [], warnings: [] };
  for (const object of objects) {
    let calendars: ICAL.Component[];
    try {
      const parsed = parseCalendar(object.data);
      calendars = parsed.calendars;
      for (const { uid, reason } of parsed.broken) result.problems.push({ sourceHref: object.href, sourceUid: uid, reason });
    } catch (error) {
      result.problems.push({ sourceHref: object.href, reason: `cannot be parsed as iCalendar: ${(error as Error).message}` });
      continue;
    }
    const vevents = calendars.flatMap((c) => c.getAllSubcomponents('vevent'));
    const embedded = calendars.flatMap((c) => c.getAllSubcomponents('vtimezone'));
    const byUid = new Map<string, ICAL.Component[]>();
    for (const vevent of vevents) {
      const uid = vevent.getFirstPropertyValue('uid');
      if (typeof uid !== 'string' || uid === '') {
        result.problems.push({ sourceHref: object.href, reason: 'has a VEVENT without UID' });
        continue;
      }
      byUid.set(uid, [...(byUid.get(uid) ?? []), vevent]);
    }
    const { zones, unresolved } = registerTimezones(embedded, vevents);
    for (const [uid, group] of byUid) {
      const warn = (message: string) => result.warnings.push(`event ${uid} (${object.href}): ${message}`);
      const unknown = unresolved.filter((tzid) => tzidsUsedBy(group).has(tzid));
      if (unknown.length > 0) warn(`unknown time zone ${unknown.map((z) => `"${z}"`).join(', ')}: its times are read as UTC`);
      try {
        let kept = 0;
        for (const occurrence of occurrencesOf(group, window, warn)) {
          const start = instantOf(occurrence.start);
          const end = instantOf(occurrence.end);
          if (!overlapsWindow(start, end, window)) continue;
          if (++kept > EXPANSION_LIMITS.instancesPerSeries) {
            warn(`more than ${EXPANSION_LIMITS.instancesPerSeries} occurrences in the window; the rest are left out`);
            break;
          }
          const vevent = standalone(occurrence);
          result.instances.push({
            sourceUid: uid,
            recurrenceId: occurrence.recurrenceId,
            sourceHref: object.href,
            sourceEtag: object.etag,
            start: rfc3339(start),
            end: rfc3339(end),
            vevent,
            timezones: [...tzidsUsedBy([vevent])].map((tzid) => zones.get(tzid)!).filter(Boolean),
          });
        }
      } catch (error) {
        result.problems.push({ sourceHref: object.href, sourceUid: uid, reason: (error as Error).message });
      }
    }
  }
  return result;
}
