// Who a copy is: its deterministic UID and file name, and the markers that prove it is ours.
import ICAL from 'ical.js';
import type { CopyMarkers, OccurrenceId } from './domain.ts';
import { sha256 } from './sha256.ts';

export const MARKER_SOURCE_UID = 'x-calsync-source-uid';
export const MARKER_RECURRENCE_ID = 'x-calsync-recurrence-id';
export const MARKER_PAIR = 'x-calsync-pair';

/** The short id of a pair, from the identities of its two calendars. */
export function pairKeyFor(source: string, target: string): string {
  return sha256(`${source}\n${target}`).slice(0, 12);
}

/**
 * The UID of the copy of one occurrence. Derived, never random, so a rerun, a lost database
 * or a crash between write and record finds the same copy instead of making a second one.
 */
export function copyUid(pairKey: string, id: OccurrenceId): string {
  return `calsync-${sha256(`${pairKey}\0${id.sourceUid}\0${id.recurrenceId}`).slice(0, 32)}`;
}

export function copyFileName(uid: string): string {
  return `${uid}.ics`;
}

/** The markers of the first VEVENT carrying them, or null for an object this tool did not make. */
export function readMarkers(ics: string): CopyMarkers | null {
  let calendar: ICAL.Component;
  try {
    calendar = new ICAL.Component(ICAL.parse(ics) as unknown[]);
  } catch {
    return null;
  }
  for (const vevent of calendar.getAllSubcomponents('vevent')) {
    const pairKey = vevent.getFirstPropertyValue(MARKER_PAIR);
    const sourceUid = vevent.getFirstPropertyValue(MARKER_SOURCE_UID);
    if (typeof pairKey !== 'string' || typeof sourceUid !== 'string') continue;
    const recurrenceId = vevent.getFirstPropertyValue(MARKER_RECURRENCE_ID);
    return { pairKey, sourceUid, recurrenceId: typeof recurrenceId === 'string' ? recurrenceId : '' };
  }
  return null;
}
