// An instance becomes the exact object stored on the target.
import ICAL from 'ical.js';
import type { CopyPlace, DesiredCopy, SourceInstance } from './domain.ts';
import { copyFileName, copyUid, MARKER_PAIR, MARKER_RECURRENCE_ID, MARKER_SOURCE_UID } from './copy-identity.ts';
import { sha256 } from './sha256.ts';

const PRODID = '-//caldav-instance-sync//EN';

/** Properties that change without the event changing; left out of the content hash. */
const VOLATILE = /^(DTSTAMP)[;:]/;

export function contentHash(ics: string): string {
  const unfolded = ics.replace(/\r?\n[ \t]/g, '');
  return sha256(unfolded.split(/\r?\n/).filter((line) => !VOLATILE.test(line)).join('\n'));
}

/**
 * Text values without control characters (RFC 5545 3.3.11 allows none but TAB): a NUL or a bare
 * CR from the source would make servers refuse the copy, or split its line. Newlines are kept
 * (they are written escaped). The result is a copy, so the instance is never changed.
 */
function withoutControls(jCal: unknown): unknown {
  if (typeof jCal === 'string') return jCal.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '');
  if (Array.isArray(jCal)) return jCal.map(withoutControls);
  if (jCal !== null && typeof jCal === 'object') return Object.fromEntries(Object.entries(jCal).map(([key, value]) => [key, withoutControls(value)]));
  return jCal;
}

/** The VCALENDAR text of one copy: a standalone VEVENT with its markers and time zones. */
export function renderCopy(instance: SourceInstance, pairKey: string, hrefFor: (fileName: string) => string): DesiredCopy {
  const vevent = new ICAL.Component(withoutControls(instance.vevent.jCal) as unknown[]);
  const uid = copyUid(pairKey, instance);
  vevent.updatePropertyWithValue('uid', uid);
  // A copy must never make a scheduling server send invitations or cancellations (RFC 6638).
  for (const name of ['organizer', 'attendee']) {
    for (const property of vevent.getAllProperties(name)) property.setParameter('schedule-agent', 'CLIENT');
  }
  for (const name of [MARKER_SOURCE_UID, MARKER_RECURRENCE_ID, MARKER_PAIR]) vevent.removeAllProperties(name);
  vevent.addPropertyWithValue(MARKER_SOURCE_UID, instance.sourceUid);
  if (instance.recurrenceId !== '') vevent.addPropertyWithValue(MARKER_RECURRENCE_ID, instance.recurrenceId);
  vevent.addPropertyWithValue(MARKER_PAIR, pairKey);
  if (!vevent.hasProperty('dtstamp')) vevent.addPropertyWithValue('dtstamp', ICAL.Time.fromJSDate(new Date(), true));

  const calendar = new ICAL.Component('vcalendar');
  calendar.addPropertyWithValue('version', '2.0');
  calendar.addPropertyWithValue('prodid', PRODID);
  for (const vtimezone of instance.timezones) calendar.addSubcomponent(new ICAL.Component(structuredClone(vtimezone.jCal)));
  calendar.addSubcomponent(vevent);
  const ics = `${calendar.toString()}\r\n`;
  return {
    sourceUid: instance.sourceUid,
    recurrenceId: instance.recurrenceId,
    sourceHref: instance.sourceHref,
    sourceEtag: instance.sourceEtag,
    start: instance.start,
    end: instance.end,
    targetHref: hrefFor(copyFileName(uid)),
    uid,
    ics,
    contentHash: contentHash(ics),
    summary: String(vevent.getFirstPropertyValue('summary') ?? ''),
  };
}

/** A property line with its parameters in one order, and RRULE parts in one order: servers reorder both. */
function canonicalLine(line: string): string {
  let inQuotes = false;
  let cut = -1;
  for (let i = 0; i < line.length && cut < 0; i++) {
    if (line[i] === '"') inQuotes = !inQuotes;
    else if (line[i] === ':' && !inQuotes) cut = i;
  }
  if (cut < 0) return line;
  const [name, ...parameters] = line.slice(0, cut).match(/(?:[^;"]|"[^"]*")+/g) ?? [];
  const value = line.slice(cut + 1);
  const canonicalValue = /^(RRULE|EXRULE)$/i.test(name ?? '') ? value.split(';').sort().join(';') : value;
  return `${[name, ...parameters.sort()].join(';')}:${canonicalValue}`;
}

/**
 * A hash of what an object says, whatever order a server stored it in (Radicale and Xandikos both
 * reorder properties, components, parameters or RRULE parts): unfolded, DTSTAMP left out, each
 * component's properties and subcomponents sorted.
 */
export function canonicalHash(ics: string): string {
  const lines = ics.replace(/\r?\n[ \t]/g, '').split(/\r?\n/).filter((line) => line !== '' && !VOLATILE.test(line));
  const stack: Array<{ head: string; properties: string[]; children: string[] }> = [{ head: '', properties: [], children: [] }];
  for (const line of lines) {
    if (line.startsWith('BEGIN:')) stack.push({ head: line, properties: [], children: [] });
    else if (line.startsWith('END:') && stack.length > 1) {
      const done = stack.pop()!;
      stack.at(-1)!.children.push([done.head, ...done.properties.sort(), ...done.children.sort(), line].join('\n'));
    } else stack.at(-1)!.properties.push(canonicalLine(line));
  }
  return sha256(stack[0].children.sort().join('\n'));
}

/** The copy's text with another UID: an adopted earlier copy keeps its own, which servers expect to stay. */
function withUid(ics: string, uid: string): string {
  const calendar = new ICAL.Component(ICAL.parse(ics) as unknown[]);
  calendar.getFirstSubcomponent('vevent')!.updatePropertyWithValue('uid', uid);
  return `${calendar.toString()}\r\n`;
}

/** The text of a copy as stored at its place: with the place's UID when it is not the derived one. */
export function copyText(copy: DesiredCopy, place: CopyPlace): string {
  return place.uid === null ? copy.ics : withUid(copy.ics, place.uid);
}
