// canonicalHash tells a copy the server stored from the copy the tool would write, whatever order
// the server put its properties in, and only then.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalHash } from '../lib/render-copy.ts';

const ours = [
  'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//caldav-instance-sync//EN',
  'BEGIN:VEVENT', 'UID:calsync-abc', 'DTSTAMP:20260101T000000Z', 'DTSTART:20261005T073000Z', 'DTEND:20261005T080000Z', 'SUMMARY:Stand-up',
  'X-CALSYNC-SOURCE-UID:standup@test', 'X-CALSYNC-PAIR:abcdefabcdef', 'BEGIN:VALARM', 'ACTION:DISPLAY', 'TRIGGER:-PT10M', 'END:VALARM', 'END:VEVENT',
  'END:VCALENDAR', '',
].join('\r\n');

test("the same copy as Radicale and Xandikos store it (properties reordered, another DTSTAMP, other folding) hashes the same", () => {
  // As Xandikos gave such a copy back: SUMMARY first, DTSTAMP after the times, markers sorted; LF, one line folded.
  const xandikos = [
    'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//caldav-instance-sync//EN',
    'BEGIN:VEVENT', 'SUMMARY:Stand-up', 'DTSTART:20261005T073000Z', 'DTEND:20261005T080000Z', 'DTSTAMP:20261120T101010Z', 'UID:calsync-abc',
    'X-CALSYNC-PAIR:abcdefabcdef', 'X-CALSYNC-SOURCE-UID:stand', ' up@test', 'BEGIN:VALARM', 'TRIGGER:-PT10M', 'ACTION:DISPLAY', 'END:VALARM', 'END:VEVENT',
    'END:VCALENDAR', '',
  ].join('\n');
  assert.equal(canonicalHash(xandikos), canonicalHash(ours));
});

test('parameters, RRULE parts and components in another order hash the same; quoted colons are no cut', () => {
  const zoned = (rrule: string, attendee: string, first: string, second: string) =>
    ['BEGIN:VCALENDAR', 'BEGIN:VTIMEZONE', 'TZID:Europe/Berlin', first, second, 'END:VTIMEZONE', 'BEGIN:VEVENT', 'UID:x', attendee, 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n')
      .replace('RULE', rrule);
  const daylight = 'BEGIN:DAYLIGHT\r\nRULE\r\nEND:DAYLIGHT';
  const standard = 'BEGIN:STANDARD\r\nTZOFFSETTO:+0100\r\nEND:STANDARD';
  const a = zoned('RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU', 'ATTENDEE;CN="Ben: the boss";SCHEDULE-AGENT=CLIENT:mailto:ben@example.org', daylight, standard);
  const b = zoned('RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3', 'ATTENDEE;SCHEDULE-AGENT=CLIENT;CN="Ben: the boss":mailto:ben@example.org', standard, daylight);
  assert.equal(canonicalHash(a), canonicalHash(b));
  assert.notEqual(canonicalHash(a), canonicalHash(a.replace('mailto:ben@', 'mailto:bea@')));
  assert.notEqual(canonicalHash(a), canonicalHash(a.replace('BYMONTH=3', 'BYMONTH=4')));
});

test('a changed value, a property more or a property moved into another component hashes differently', () => {
  assert.notEqual(canonicalHash(ours.replace('SUMMARY:Stand-up', 'SUMMARY:Stand-up (edited)')), canonicalHash(ours));
  assert.notEqual(canonicalHash(ours.replace('SUMMARY:Stand-up', 'SUMMARY:Stand-up\r\nLOCATION:Room 1')), canonicalHash(ours));
  const moved = ours.replace('TRIGGER:-PT10M\r\n', '').replace('SUMMARY:Stand-up', 'SUMMARY:Stand-up\r\nTRIGGER:-PT10M');
  assert.notEqual(canonicalHash(moved), canonicalHash(ours));
});
