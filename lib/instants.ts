// Points in time: the canonical form of a RECURRENCE-ID, RFC 3339 text, window membership.
import type ICAL from 'ical.js';
import type { SyncWindow } from './domain.ts';
import { instantOf } from './zone-math.ts';

/** YYYYMMDDTHHMMSSZ for an instant (epoch ms). */
export function utcStamp(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

/**
 * The occurrence's original start as written in X-CALSYNC-RECURRENCE-ID and the mappings table:
 * YYYYMMDD for a date, YYYYMMDDTHHMMSSZ in UTC for zoned or UTC times, YYYYMMDDTHHMMSS for floating.
 */
export function canonicalRecurrenceId(time: ICAL.Time): string {
  const tzid = time.zone?.tzid;
  if (time.isDate || tzid === undefined || tzid === 'floating') return time.toICALString();
  return utcStamp(instantOf(time));
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
