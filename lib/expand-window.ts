// Source objects in, the occurrences inside the window out, each as a standalone VEVENT.
// ical.js steps through the RRULE; the rest of RFC 5545 3.8.5 (DTSTART as the first instance,
// RDATE periods, EXDATE, overrides and RANGE=THISANDFUTURE, exact and nominal durations, DST gaps
// and folds) is done here, where ical.js gets it wrong or leaves it out.
import ICAL from 'ical.js';
import type { SourceInstance, SourceObject, SourceProblem, SyncWindow } from './domain.ts';
import { canonicalRecurrenceId, overlapsWindow, rfc3339 } from './instants.ts';
import { parseCalendar, uidInText } from './parse-calendar.ts';
import { candidateRule, dateFitsRule } from './rule-check.ts';
import { registerTimezones, TIME_PROPERTIES, tzidsUsedBy } from './time-zones.ts';
import { existingLocalTime, instantOf, isAmbiguous, localTimeAt } from './zone-math.ts';

/** Bounds that keep a hostile or endless series from hanging a run (stated in the README). */
export const EXPANSION_LIMITS = {
  /** Occurrences stepped through for one series, before or inside the window. */
  stepsPerSeries: 100_000,
  /** Occurrences of one series kept inside the window. */
  instancesPerSeries: 5_000,
  /** Instances of the whole run; events beyond it are reported and their copies left alone. */
  instancesPerRun: 200_000,
  /** Bytes of one source object: each copy repeats the event's text, so a huge one fills memory. */
  bytesPerObject: 4 * 1024 * 1024,
  /** Days a DURATION may span: ical.js steps through a longer one day by day. */
  durationDays: 36_525,
};

export interface Expansion {
  instances: SourceInstance[];
  problems: SourceProblem[];
  warnings: string[];
}

const RECURRENCE_PROPERTIES = ['rrule', 'rdate', 'exdate', 'exrule', 'recurrence-id'];

/** One occurrence: the component it copies, its original start, and when it really starts and ends. */
interface Occurrence {
  base: ICAL.Component;
  recurrenceId: string;
  start: ICAL.Time;
  startMs: number;
  endMs: number;
  /** Whether the copy states its end as DTEND (else it keeps the base's DURATION, or has neither). */
  writeEnd: boolean;
}

function isCancelled(vevent: ICAL.Component): boolean {
  return String(vevent.getFirstPropertyValue('status') ?? '').toUpperCase() === 'CANCELLED';
}

function timeOf(vevent: ICAL.Component, name: string): ICAL.Time | null {
  const value = vevent.getFirstPropertyValue(name);
  return value instanceof ICAL.Time ? value : null;
}

/** The wall-clock time `days` days later (nominal days: same local time across DST). */
function addDays(time: ICAL.Time, days: number): ICAL.Time {
  const later = time.clone();
  later.adjust(days, 0, 0, 0);
  return later;
}

/**
 * How long occurrences of `vevent` last, as a function of an occurrence's start (RFC 5545 3.3.6,
 * 3.8.5.3): DTEND gives the same exact duration to every instance (dates: whole days); DURATION is
 * nominal in days and weeks, exact in hours, minutes and seconds; neither means one day for a date
 * and zero length for a date-time.
 */
function endRule(vevent: ICAL.Component): (start: ICAL.Time, startMs: number) => number {
  const dtstart = timeOf(vevent, 'dtstart')!;
  const duration = vevent.getFirstPropertyValue('duration');
  if (duration instanceof ICAL.Duration) {
    const sign = duration.isNegative ? -1 : 1;
    const days = sign * (duration.weeks * 7 + duration.days);
    if (Math.abs(days) > EXPANSION_LIMITS.durationDays) throw new Error(`its DURATION ${duration.toString()} is longer than ${EXPANSION_LIMITS.durationDays} days`);
    const seconds = sign * (duration.hours * 3600 + duration.minutes * 60 + duration.seconds);
    return (start, startMs) => (days === 0 ? startMs : instantOf(addDays(start, days))) + seconds * 1000;
  }
  const dtend = timeOf(vevent, 'dtend');
  if (dtend && dtstart.isDate) {
    const days = Math.round((dtend.toUnixTime() - dtstart.toUnixTime()) / 86_400);
    return (start) => instantOf(addDays(start, days));
  }
  if (dtend) {
    const exact = instantOf(dtend) - instantOf(dtstart);
    return (_start, startMs) => startMs + exact;
  }
  return (start, startMs) => (start.isDate ? instantOf(addDays(start, 1)) : startMs);
}

function ownOccurrence(vevent: ICAL.Component, recurrenceId: string): Occurrence {
  const start = timeOf(vevent, 'dtstart');
  if (!start) throw new Error('it has no DTSTART');
  const startMs = instantOf(start);
  return { base: vevent, recurrenceId, start, startMs, endMs: endRule(vevent)(start, startMs), writeEnd: vevent.hasProperty('dtend') };
}

/** The time as the copy states it: zone kept, a time in a DST gap moved forward by the gap. */
function writtenStart(time: ICAL.Time): ICAL.Time {
  return existingLocalTime(time);
}

/** The end as the copy states it, in the zone style of `like`; an end in a DST fold is written in UTC. */
function writtenEnd(endMs: number, start: ICAL.Time, like: ICAL.Time | null): ICAL.Time {
  if (start.isDate) {
    const end = ICAL.Time.fromJSDate(new Date(endMs), true);
    return ICAL.Time.fromDateString(end.toString().slice(0, 10));
  }
  const zone = (like ?? start).zone ?? ICAL.Timezone.utcTimezone;
  if (zone.tzid === 'floating') {
    const utc = ICAL.Time.fromJSDate(new Date(endMs), true);
    return ICAL.Time.fromDateTimeString(utc.toString().replace('Z', ''));
  }
  const local = localTimeAt(zone, endMs);
  return isAmbiguous(local) ? ICAL.Time.fromJSDate(new Date(endMs), true) : local;
}

/** Sets a time property to `time`, keeping TZID in step with the time's zone. */
function setTime(vevent: ICAL.Component, name: string, time: ICAL.Time): void {
  const property = vevent.getFirstProperty(name) ?? vevent.addPropertyWithValue(name, time);
  property.setValue(time);
  const tzid = time.zone?.tzid;
  if (!time.isDate && tzid && tzid !== 'UTC' && tzid !== 'floating') property.setParameter('tzid', tzid);
  else property.removeParameter('tzid');
}

function standalone(occurrence: Occurrence): ICAL.Component {
  const vevent = new ICAL.Component(structuredClone(occurrence.base.jCal));
  for (const name of RECURRENCE_PROPERTIES) vevent.removeAllProperties(name);
  const like = timeOf(vevent, 'dtend');
  setTime(vevent, 'dtstart', writtenStart(occurrence.start));
  if (occurrence.writeEnd) {
    vevent.removeAllProperties('duration');
    setTime(vevent, 'dtend', writtenEnd(occurrence.endMs, occurrence.start, like));
  }
  return vevent;
}

/** A RANGE=THISANDFUTURE override: its changes apply from its occurrence on. */
interface FutureOverride {
  fromMs: number;
  vevent: ICAL.Component;
  /** Seconds its DTSTART moved from its RECURRENCE-ID, on the wall clock of the series. */
  shift: number;
}

function wallSeconds(time: ICAL.Time): number {
  return Date.UTC(time.year, time.month - 1, time.day, time.hour, time.minute, time.second) / 1000;
}

/**
 * The master as ical.js should iterate it: the rule's candidates alone. RDATE, EXDATE and COUNT are
 * applied here, COUNT after checking each date against the rule (see rule-check.ts).
 */
function ruleOnly(master: ICAL.Component): { copy: ICAL.Component; rule: ICAL.Recur | null } {
  const copy = new ICAL.Component(structuredClone(master.jCal));
  for (const name of ['rdate', 'exdate', 'exrule']) copy.removeAllProperties(name);
  const rule = copy.getFirstPropertyValue('rrule');
  if (!(rule instanceof ICAL.Recur)) return { copy, rule: null };
  copy.updatePropertyWithValue('rrule', candidateRule(rule));
  return { copy, rule };
}

/** Every occurrence of a series up to `horizon` (epoch ms), overrides applied, cancelled ones left out. */
function seriesOccurrences(
  master: ICAL.Component,
  overrides: ICAL.Component[],
  horizon: number,
  warn: (message: string) => void,
): Occurrence[] {
  const dtstart = timeOf(master, 'dtstart')!;
  const masterEnd = endRule(master);
  const excluded = new Set<string>();
  for (const property of master.getAllProperties('exdate')) {
    for (const value of property.getValues()) if (value instanceof ICAL.Time) excluded.add(canonicalRecurrenceId(value));
  }
  // Overrides are matched as instants (or as dates for an all-day series), whatever zone they are written in;
  // a DATE RECURRENCE-ID on a timed series matches the occurrence on that local date.
  const exact = new Map<string, ICAL.Component>();
  const byDate = new Map<string, ICAL.Component>();
  const future: FutureOverride[] = [];
  for (const override of overrides) {
    const property = override.getFirstProperty('recurrence-id')!;
    const rid = property.getFirstValue() as ICAL.Time;
    if (rid.isDate && !dtstart.isDate) byDate.set(rid.toICALString(), override);
    else if (!rid.isDate && dtstart.isDate) exact.set(rid.toICALString().slice(0, 8), override);
    else exact.set(canonicalRecurrenceId(rid), override);
    if (String(property.getParameter('range') ?? '').toUpperCase() === 'THISANDFUTURE') {
      const ridLocal = dtstart.zone ? localTimeAt(dtstart.zone, instantOf(rid)) : rid;
      const start = timeOf(override, 'dtstart') ?? rid;
      const startLocal = dtstart.zone ? localTimeAt(dtstart.zone, instantOf(start)) : start;
      future.push({ fromMs: instantOf(rid), vevent: override, shift: wallSeconds(startLocal) - wallSeconds(ridLocal) });
    }
  }
  future.sort((a, b) => a.fromMs - b.fromMs);

  const seen = new Set<string>();
  const used = new Set<ICAL.Component>();
  const occurrences: Occurrence[] = [];
  const take = (start: ICAL.Time, periodEnd?: ICAL.Time) => {
    const recurrenceId = canonicalRecurrenceId(start);
    if (seen.has(recurrenceId) || excluded.has(recurrenceId)) return;
    seen.add(recurrenceId); // an RDATE equal to an RRULE occurrence is one occurrence
    const override = exact.get(recurrenceId) ?? byDate.get(start.toICALString().slice(0, 8));
    if (override) {
      used.add(override);
      if (!isCancelled(override)) occurrences.push(ownOccurrence(override, recurrenceId));
      return;
    }
    const startMs = instantOf(start);
    const from = future.filter((f) => f.fromMs <= startMs).at(-1);
    if (from) {
      if (isCancelled(from.vevent)) return;
      const moved = start.clone();
      moved.adjust(0, 0, 0, from.shift);
      const movedMs = instantOf(moved);
      occurrences.push({ base: from.vevent, recurrenceId, start: moved, startMs: movedMs, endMs: endRule(from.vevent)(moved, movedMs), writeEnd: from.vevent.hasProperty('dtend') });
      return;
    }
    const endMs = periodEnd ? instantOf(periodEnd) : masterEnd(start, startMs);
    occurrences.push({ base: master, recurrenceId, start, startMs, endMs, writeEnd: periodEnd !== undefined || master.hasProperty('dtend') });
  };

  // RFC 5545 3.8.5.3: DTSTART is always the first instance, and the first of COUNT, whether or not
  // the rule matches it.
  take(dtstart);
  for (const property of master.getAllProperties('rdate')) {
    for (const value of property.getValues()) {
      if (value instanceof ICAL.Period) take(value.start, value.getEnd());
      else if (value instanceof ICAL.Time) take(value);
    }
  }
  const { copy, rule } = ruleOnly(master);
  if (rule) {
    const count = rule.count ?? null;
    const iterator = new ICAL.Event(copy).iterator();
    let counted = 1;
    let steps = 0;
    for (let next = iterator.next(); next; next = iterator.next()) {
      if (instantOf(next) >= horizon) break;
      if (++steps > EXPANSION_LIMITS.stepsPerSeries) {
        warn(`stopped after ${EXPANSION_LIMITS.stepsPerSeries} occurrences`);
        break;
      }
      if (next.compare(dtstart) === 0 || !dateFitsRule(rule, dtstart, next)) continue;
      if (count !== null && ++counted > count) break;
      take(next);
    }
  }
  // An override whose occurrence the rule does not produce still stands as an occurrence of its own.
  for (const override of overrides) {
    if (used.has(override) || isCancelled(override)) continue;
    occurrences.push(ownOccurrence(override, canonicalRecurrenceId(override.getFirstPropertyValue('recurrence-id') as ICAL.Time)));
  }
  return occurrences;
}

/** ical.js reads a malformed time only when asked for it, with a message that garbles it: each is read once here. */
function checkTimes(vevent: ICAL.Component): void {
  for (const name of TIME_PROPERTIES) {
    for (const property of vevent.getAllProperties(name)) {
      try {
        property.getValues();
      } catch {
        throw new Error(`its ${name.toUpperCase()} is not a valid date or date-time`);
      }
    }
  }
  const start = timeOf(vevent, 'dtstart');
  const end = timeOf(vevent, 'dtend');
  if (start && end && instantOf(end) < instantOf(start)) throw new Error('its DTEND is before its DTSTART');
}

function occurrencesOf(vevents: ICAL.Component[], window: SyncWindow, warn: (message: string) => void): Occurrence[] {
  vevents.forEach(checkTimes);
  const masters = vevents.filter((v) => !v.hasProperty('recurrence-id'));
  if (masters.length > 1) throw new Error(`it has ${masters.length} VEVENTs without RECURRENCE-ID`);
  const overrides = vevents.filter((v) => v.hasProperty('recurrence-id'));
  const [master] = masters;
  if (!master) {
    return overrides.filter((v) => !isCancelled(v)).map((v) => ownOccurrence(v, canonicalRecurrenceId(v.getFirstPropertyValue('recurrence-id') as ICAL.Time)));
  }
  if (!timeOf(master, 'dtstart')) throw new Error('it has no DTSTART');
  if (isCancelled(master)) return [];
  for (const rule of master.getAllProperties('rrule')) {
    if (!(rule.getFirstValue() as ICAL.Recur).freq) throw new Error('its RRULE has no FREQ');
  }
  if (!master.hasProperty('rrule') && !master.hasProperty('rdate')) return [ownOccurrence(master, '')];
  // Overrides may move an occurrence from beyond the window into it: step far enough to meet them.
  let horizon = window.end;
  for (const override of overrides) {
    const rid = instantOf(override.getFirstPropertyValue('recurrence-id') as ICAL.Time);
    const start = timeOf(override, 'dtstart');
    // ...and, for one that moves later occurrences earlier (THISANDFUTURE), as far as it moves them.
    horizon = Math.max(horizon, rid + 1, start ? window.end + rid - instantOf(start) : 0);
  }
  return seriesOccurrences(master, overrides, horizon, warn);
}

/**
 * Expands every source object into the occurrences that overlap the window. With `accept`, each
 * instance is handed over as soon as it is made instead of collected (a run renders it at once and
 * keeps only the text, so thousands of parsed instances are never held together).
 */
export function expandWindow(objects: SourceObject[], window: SyncWindow, accept?: (instance: SourceInstance) => void): Expansion {
  const result: Expansion = { instances: [], problems: [], warnings: [] };
  const take = accept ?? ((instance: SourceInstance) => result.instances.push(instance));
  let produced = 0;
  for (const object of objects) {
    const bytes = Buffer.byteLength(object.data);
    if (bytes > EXPANSION_LIMITS.bytesPerObject) {
      result.problems.push({ sourceHref: object.href, sourceUid: uidInText(object.data), reason: `is ${bytes} bytes, more than the ${EXPANSION_LIMITS.bytesPerObject} a source object may have` });
      continue;
    }
    let calendars: ICAL.Component[];
    // An event with a broken part (an override, say) is not expanded from the rest: that would bring
    // back the occurrences the broken part moves or cancels.
    const brokenUids = new Set<string>();
    try {
      const parsed = parseCalendar(object.data);
      calendars = parsed.calendars;
      for (const { uid, reason } of parsed.broken) {
        result.problems.push({ sourceHref: object.href, sourceUid: uid, reason });
        if (uid !== undefined) brokenUids.add(uid);
      }
      for (const { uid, message } of parsed.repairs) result.warnings.push(`event ${uid ?? '(no UID)'} (${object.href}): ${message}`);
    } catch (error) {
      result.problems.push({ sourceHref: object.href, reason: `cannot be parsed as iCalendar: ${(error as Error).message}` });
      continue;
    }
    // Detached from their VCALENDAR, events read their times in the zones registered below, built
    // once per distinct VTIMEZONE, instead of ical.js building a zone per object from the parent.
    const vevents = calendars.flatMap((calendar) => {
      const events = calendar.getAllSubcomponents('vevent');
      for (const event of events) calendar.removeSubcomponent(event);
      return events;
    });
    const embedded = calendars.flatMap((c) => c.getAllSubcomponents('vtimezone'));
    const byUid = new Map<string, ICAL.Component[]>();
    for (const vevent of vevents) {
      const uid = vevent.getFirstPropertyValue('uid');
      if (typeof uid !== 'string' || uid === '') {
        result.problems.push({ sourceHref: object.href, reason: 'has a VEVENT without UID' });
        continue;
      }
      if (brokenUids.has(uid)) continue;
      const group = byUid.get(uid);
      if (group) group.push(vevent);
      else byUid.set(uid, [vevent]);
    }
    const { zones, unresolved } = registerTimezones(embedded, vevents);
    for (const [uid, group] of byUid) {
      if (produced >= EXPANSION_LIMITS.instancesPerRun) {
        result.problems.push({ sourceHref: object.href, sourceUid: uid, reason: `was not expanded: the run reached its cap of ${EXPANSION_LIMITS.instancesPerRun} instances` });
        continue;
      }
      const warn = (message: string) => result.warnings.push(`event ${uid} (${object.href}): ${message}`);
      const unknown = unresolved.filter((tzid) => tzidsUsedBy(group).has(tzid));
      if (unknown.length > 0) warn(`unknown time zone ${unknown.map((z) => `"${z}"`).join(', ')}: its times are read as UTC`);
      try {
        let kept = 0;
        for (const occurrence of occurrencesOf(group, window, warn)) {
          if (!overlapsWindow(occurrence.startMs, occurrence.endMs, window)) continue;
          if (++kept > EXPANSION_LIMITS.instancesPerSeries) {
            warn(`more than ${EXPANSION_LIMITS.instancesPerSeries} occurrences in the window; the rest are left out`);
            break;
          }
          const vevent = standalone(occurrence);
          produced++;
          take({
            sourceUid: uid,
            recurrenceId: occurrence.recurrenceId,
            sourceHref: object.href,
            sourceEtag: object.etag,
            start: rfc3339(occurrence.startMs),
            end: rfc3339(occurrence.endMs),
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
