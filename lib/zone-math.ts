// Local time <-> instant in a VTIMEZONE, the RFC 5545 3.3.5 way. ical.js gets both directions wrong
// within an hour of a DST change (a time in the spring-forward gap, an ambiguous time in the fall-back
// fold, and UTC -> local near either), so this layer reads the zone's transitions that ical.js has
// already expanded from the VTIMEZONE and does the arithmetic itself.
import ICAL from 'ical.js';

/** ical.js keeps the expanded transitions (in UTC) on the zone; not in its typings. */
interface ExpandedZone {
  changes: Array<{ year: number; month: number; day: number; hour: number; minute: number; second: number; utcOffset: number; prevUtcOffset: number }>;
  expandedUntilYear: number;
  _ensureCoverage(year: number): void;
}

interface Transition {
  /** Epoch seconds of the change. */
  at: number;
  utcOffset: number;
  prevUtcOffset: number;
}

const DAY = 86_400;
const cache = new WeakMap<ICAL.Timezone, { untilYear: number; transitions: Transition[] }>();

function transitions(zone: ICAL.Timezone, year: number): Transition[] {
  const cached = cache.get(zone);
  if (cached && cached.untilYear >= year + 1) return cached.transitions;
  const expanded = zone as unknown as ExpandedZone;
  expanded._ensureCoverage(year + 1);
  const list = expanded.changes
    .map((c) => ({ at: Date.UTC(c.year, c.month - 1, c.day, c.hour, c.minute, c.second) / 1000, utcOffset: c.utcOffset, prevUtcOffset: c.prevUtcOffset }))
    .sort((a, b) => a.at - b.at);
  // ical.js expands a few years beyond what is asked; remember how far, so it is not asked again.
  cache.set(zone, { untilYear: Math.max(year + 1, expanded.expandedUntilYear ?? 0), transitions: list });
  return list;
}

/** The zone's UTC offset (seconds) in effect at an instant (epoch seconds). */
function offsetAt(zone: ICAL.Timezone, instant: number): number {
  const list = transitions(zone, new Date(instant * 1000).getUTCFullYear());
  let low = 0;
  let high = list.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (list[middle].at <= instant) {
      found = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  if (found >= 0) return list[found].utcOffset;
  return list[0]?.prevUtcOffset ?? 0;
}

/** The wall-clock reading of a time as if it were UTC, in epoch seconds. */
function wallSeconds(time: ICAL.Time): number {
  return Date.UTC(time.year, time.month - 1, time.day, time.hour, time.minute, time.second) / 1000;
}

/** The instants a local time names: two in a fold, none in a gap. */
function readings(zone: ICAL.Timezone, wall: number): number[] {
  const offsets = new Set([offsetAt(zone, wall - DAY), offsetAt(zone, wall), offsetAt(zone, wall + DAY)]);
  return [...offsets].map((offset) => wall - offset).filter((instant) => offsetAt(zone, instant) === wall - instant).sort((a, b) => a - b);
}

function isZoned(time: ICAL.Time): boolean {
  const tzid = time.zone?.tzid;
  return !time.isDate && tzid !== undefined && tzid !== 'floating' && tzid !== 'UTC';
}

/**
 * Epoch milliseconds of a time. Zoned: an ambiguous local time is its first occurrence, a
 * nonexistent one is read with the offset before the gap (RFC 5545 3.3.5). Floating times and
 * dates are read as UTC, so results never depend on the machine's zone.
 */
export function instantOf(time: ICAL.Time): number {
  if (!isZoned(time)) return time.toUnixTime() * 1000;
  const wall = wallSeconds(time);
  const [first] = readings(time.zone!, wall);
  return (first ?? wall - offsetAt(time.zone!, wall - DAY)) * 1000;
}

/** The local time in `zone` at an instant (epoch ms), as an ICAL.Time in that zone. */
export function localTimeAt(zone: ICAL.Timezone, epochMs: number): ICAL.Time {
  const utc = ICAL.Time.fromJSDate(new Date(epochMs), true);
  if (zone === ICAL.Timezone.utcTimezone || zone.tzid === 'UTC') return utc;
  const wall = new Date(epochMs + offsetAt(zone, epochMs / 1000) * 1000);
  return ICAL.Time.fromData(
    { year: wall.getUTCFullYear(), month: wall.getUTCMonth() + 1, day: wall.getUTCDate(), hour: wall.getUTCHours(), minute: wall.getUTCMinutes(), second: wall.getUTCSeconds() },
    zone,
  );
}

/** Whether a zoned local time names two instants (it lies in a fall-back fold). */
export function isAmbiguous(time: ICAL.Time): boolean {
  return isZoned(time) && readings(time.zone!, wallSeconds(time)).length > 1;
}

/** The local time as a clock on the wall would show it: a time in a gap moves forward by the gap. */
export function existingLocalTime(time: ICAL.Time): ICAL.Time {
  if (!isZoned(time) || readings(time.zone!, wallSeconds(time)).length > 0) return time;
  return localTimeAt(time.zone!, instantOf(time));
}
