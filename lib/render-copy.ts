// An instance becomes the exact object stored on the target.
import ICAL from 'ical.js';
import type { DesiredCopy, SourceInstance } from './domain.ts';
import { copyFileName, copyUid, MARKER_PAIR, MARKER_RECURRENCE_ID, MARKER_SOURCE_UID } from './copy-identity.ts';
import { sha256 } from './sha256.ts';

const PRODID = '-//caldav-instance-sync//EN';

/** Properties that change without the event changing; left out of the content hash. */
const VOLATILE = /^(DTSTAMP)[;:]/;

export function contentHash(ics: string): string {
  const unfolded = ics.replace(/\r?\n[ \t]/g, '');
  return sha256(unfolded.split(/\r?\n/).filter((line) => !VOLATILE.test(line)).join('\n'));
}

/** The VCALENDAR text of one copy: a standalone VEVENT with its markers and time zones. */
export function renderCopy(instance: SourceInstance, pairKey: string, hrefFor: (fileName: string) => string): DesiredCopy {
  const vevent = new ICAL.Component(structuredClone(instance.vevent.jCal));
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

/** The copy's text with another UID: an adopted earlier copy keeps its own, which servers expect to stay. */
export function withUid(ics: string, uid: string): string {
  const calendar = new ICAL.Component(ICAL.parse(ics) as unknown[]);
  calendar.getFirstSubcomponent('vevent')!.updatePropertyWithValue('uid', uid);
  return `${calendar.toString()}\r\n`;
}
