// Points in time: iCalendar times to instants, and the canonical form of a RECURRENCE-ID.
import ICAL from 'ical.js';
import type { SyncWindow } from './domain.ts';

function isZoned(time: ICAL.Time): boolean {
  const tzid = time.zone?.tzid;
  return !time.isDate && tzid !== undefined && tzid !== 'floating';
}

/** Epoch milliseconds. Floating times and dates are read as UTC, so results do not depend on the machine's zone. */
export function instantOf(time: ICAL.Time): number {
  return time.toUnixTime() * 1000;
}

/**
 * The occurrence's original start as written in X-CALSYNC-RECURRENCE-ID and the mappings table:
 * YYYYMMDD for a date, YYYYMMDDTHHMMSSZ in UTC for zoned or UTC times, YYYYMMDDTHHMMSS for floating.
 */
export function canonicalRecurrenceId(time: ICAL.Time): string {
  if (!isZoned(time)) return time.toICALString();
  return time.convertToZone(ICAL.Timezone.utcTimezone).toICALString();
}

/** RFC 3339 UTC, whole seconds. */
export function rfc3339(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** [start, end) overlaps the window; a zero-length instance belongs where its start is. */
export function overlapsWindow(start: number, end: number, window: SyncWindow): boolean {
  if (start >= window.end) return false;
  return end > start ? end > window.start : start >= window.start;
}
