// The bad-input suite (issue 7): malformed and hostile source objects, each beside well-formed
// neighbours. Each hostile object is reported with its UID or href and the real cause, nothing
// crashes or hangs, and every neighbour still syncs. Run twice: one stored object per case (as a
// CalDAV source holds them, through expandWindow), and all of them in one .ics file through the CLI.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import ICAL from 'ical.js';
import { expandWindow, type Expansion } from '../lib/expand-window.ts';
import { describeCopies } from './harness/describe-copies.ts';
import { runCli, summaryCounts } from './harness/run-cli.ts';

const CRLF = '\r\n';
const WINDOW = { from: '2027-01-04', to: '2027-01-11' };
const lines = (...parts: string[]) => parts.join(CRLF);
const calendar = (...parts: string[]) => `${lines('BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//bad-input//EN', ...parts, 'END:VCALENDAR')}${CRLF}`;
const event = (uid: string, ...props: string[]) => lines('BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20260101T000000Z', ...props, 'END:VEVENT');
/** A one-hour event on Wednesday 6 January 2027, inside the window. */
const AT_NOON = ['DTSTART:20270106T120000Z', 'DURATION:PT1H'];
const bytes = (text: string) => Buffer.from(text, 'latin1');
/** The UTC day `days` after 2000-01-01, as YYYYMMDD. */
const dayAfter2000 = (days: number) => new Date(Date.UTC(2000, 0, 1) + days * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');

/** Bytes from a fixed seed, so the garbage is the same on every run. */
function garbage(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    out[i] = seed >> 16;
  }
  return out;
}

/** Ten thousand days from 2000-01-01 (indexes 0..10001), leaving out the two days kept. */
function tenThousandDaysBut(...kept: string[]): string[] {
  const days = Array.from({ length: 10_002 }, (_, i) => dayAfter2000(i)).filter((day) => !kept.includes(day));
  assert.equal(days.length, 10_000);
  return days;
}

interface Report {
  /** The UID the report names; absent when only the object (its href) can be named. */
  uid?: string;
  reason: RegExp;
}

interface Outcome {
  reports: Report[];
  /** Warnings naming the event (uid) and the cause. */
  warnings?: Report[];
  /** The copies made, as "source-uid recurrence-id" (no recurrence-id for a single event). */
  copies: string[];
}

interface HostileCase extends Outcome {
  name: string;
  text: string | Buffer;
  /** Where the outcome in a file differs from a stored object: said why in the case. */
  inFile?: Outcome;
}

const uid = (name: string) => `${name}@bad.example`;
const rids = (name: string, ...recurrenceIds: string[]) => recurrenceIds.map((rid) => `${uid(name)} ${rid}`);
const WEEK_AT = (time: string) => ['04', '05', '06', '07', '08', '09', '10'].map((day) => `202701${day}T${time}Z`);
const notICalendar = { reports: [{ reason: /^cannot be parsed as iCalendar: it has no BEGIN:VCALENDAR line$/ }], copies: [] };
const cutShort = (component: string) => new RegExp(`^has no END:${component} \\(its text is cut short or a line is lost\\)$`);
const OFFICE_ZONE = lines('BEGIN:VTIMEZONE', 'TZID:Office Time', 'BEGIN:STANDARD', 'DTSTART:19700101T000000', 'TZOFFSETFROM:+0530', 'TZOFFSETTO:+0530', 'END:STANDARD', 'END:VTIMEZONE');
const ODD_ZONE = lines('BEGIN:VTIMEZONE', 'TZID:Custom;Zone:One', 'BEGIN:STANDARD', 'DTSTART:19700101T000000', 'TZOFFSETFROM:-0300', 'TZOFFSETTO:-0300', 'END:STANDARD', 'END:VTIMEZONE');
const HTML = '<p onclick="alert(1)">Agenda: <b>budget</b>; risks, dates</p>\n<script>alert("x")</script>';
const escapeText = (text: string) => text.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\n/g, '\\n');

const CASES: HostileCase[] = [
  { name: 'garbage-bytes', text: garbage(2048, 7), ...notICalendar },
  // An empty object is one a server can hold; in a file it is no text at all, so nothing to report.
  { name: 'empty-object', text: '', ...notICalendar, inFile: { reports: [], copies: [] } },
  { name: 'html-error-page', text: '<!DOCTYPE html>\r\n<html><body><h1>502 Bad Gateway</h1></body></html>\r\n', ...notICalendar },
  { name: 'json-body', text: '{"error": "not found", "BEGIN": "VCALENDAR"}\r\n', ...notICalendar },
  { name: 'utf16-text', text: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(calendar(event('utf16@bad.example', ...AT_NOON)), 'utf16le')]), ...notICalendar },
  { name: 'bare-cr-line-endings', text: calendar(event(uid('bare-cr-line-endings'), ...AT_NOON)).replace(/\r\n/g, '\r'), ...notICalendar },
  {
    name: 'missing-end-vevent',
    text: calendar(lines('BEGIN:VEVENT', `UID:${uid('missing-end-vevent')}`, ...AT_NOON, 'SUMMARY:cut')),
    reports: [{ uid: uid('missing-end-vevent'), reason: cutShort('VEVENT') }],
    copies: [],
  },
  {
    name: 'missing-end-vevent-before-another',
    text: calendar(lines('BEGIN:VEVENT', `UID:${uid('missing-end-vevent-before-another')}`, ...AT_NOON), event(uid('after-missing-end'), ...AT_NOON)),
    reports: [{ uid: uid('missing-end-vevent-before-another'), reason: cutShort('VEVENT') }],
    copies: [uid('after-missing-end')],
  },
  {
    name: 'missing-end-vcalendar',
    text: calendar(event(uid('missing-end-vcalendar'), ...AT_NOON)).replace(`END:VCALENDAR${CRLF}`, ''),
    reports: [{ reason: /^cannot be parsed as iCalendar: it has no END:VCALENDAR \(its text is cut short or a line is lost\)$/ }],
    copies: [],
    // A file is split into its events: this one is whole, and the next VCALENDAR begins after it.
    inFile: { reports: [], copies: [uid('missing-end-vcalendar')] },
  },
  {
    name: 'end-without-begin',
    text: calendar(event(uid('end-without-begin'), ...AT_NOON, 'END:VALARM')),
    reports: [{ uid: uid('end-without-begin'), reason: /^has END:VALARM without BEGIN:VALARM$/ }],
    copies: [],
  },
  {
    name: 'missing-end-valarm',
    text: calendar(event(uid('missing-end-valarm'), ...AT_NOON, 'BEGIN:VALARM', 'ACTION:DISPLAY', 'TRIGGER:-PT5M')),
    reports: [{ uid: uid('missing-end-valarm'), reason: cutShort('VALARM') }],
    copies: [],
  },
  {
    name: 'deep-nesting',
    text: calendar(event(uid('deep-nesting'), ...AT_NOON, ...Array(10_000).fill('BEGIN:X-NEST'), ...Array(10_000).fill('END:X-NEST'))),
    reports: [{ uid: uid('deep-nesting'), reason: /^has components nested more than 12 deep$/ }],
    copies: [],
  },
  {
    name: 'vevent-inside-vevent',
    text: calendar(lines('BEGIN:VEVENT', `UID:${uid('vevent-inside-vevent')}`, ...AT_NOON, event(uid('inner-vevent'), ...AT_NOON), 'END:VEVENT')),
    reports: [{ uid: uid('vevent-inside-vevent'), reason: cutShort('VEVENT') }],
    copies: [uid('inner-vevent')],
  },
  {
    name: 'fold-without-space',
    text: calendar(event(uid('fold-without-space'), ...AT_NOON, 'DESCRIPTION:a long line folded', 'without the leading space')),
    reports: [{ uid: uid('fold-without-space'), reason: /^cannot be parsed: invalid line \(no token ";" or ":"\) "without the leading space"$/ }],
    copies: [],
  },
  {
    name: 'binary-line-in-event',
    text: Buffer.concat([bytes(`BEGIN:VCALENDAR${CRLF}VERSION:2.0${CRLF}BEGIN:VEVENT${CRLF}UID:${uid('binary-line-in-event')}${CRLF}DTSTART:20270106T120000Z${CRLF}`), garbage(40, 3).map((b) => (b === 10 || b === 13 || b === 58 || b === 59 ? 65 : b)), bytes(`${CRLF}END:VEVENT${CRLF}END:VCALENDAR${CRLF}`)]),
    reports: [{ uid: uid('binary-line-in-event'), reason: /^cannot be parsed: invalid line \(no token ";" or ":"\) ".*"$/ }],
    copies: [],
  },
  {
    name: 'control-characters',
    text: calendar(event(uid('control-characters'), ...AT_NOON, 'SUMMARY:Stand\u0000up\u0007\u001b now')),
    reports: [],
    copies: [uid('control-characters')],
  },
  // Bytes that are not UTF-8 are read as U+FFFD, as every HTTP client and file reader decodes them.
  { name: 'invalid-utf8', text: Buffer.concat([bytes(calendar(event(uid('invalid-utf8'), ...AT_NOON, 'SUMMARY:Caf@@')).replace('@@', '\xc3\x28 \xff'))]), reports: [], copies: [uid('invalid-utf8')] },
  { name: 'latin1-text', text: bytes(calendar(event(uid('latin1-text'), ...AT_NOON, 'SUMMARY:R\xe9union'))), reports: [], copies: [uid('latin1-text')] },
  {
    name: 'html-description',
    text: calendar(event(uid('html-description'), ...AT_NOON, `DESCRIPTION:${escapeText(HTML)}`, `X-ALT-DESC;FMTTYPE=text/html:<html><body>${escapeText(HTML)}</body></html>`)),
    reports: [],
    copies: [uid('html-description')],
  },
  {
    name: 'huge-description',
    text: calendar(event(uid('huge-description'), ...AT_NOON, `DESCRIPTION:${'x'.repeat(5_000_000)}`)),
    reports: [{ uid: uid('huge-description'), reason: /^is 500\d{4} bytes, more than the 4194304 a source object may have$/ }],
    copies: [],
  },
  {
    name: 'large-description-daily',
    text: calendar(event(uid('large-description-daily'), 'DTSTART:20270104T070000Z', 'DURATION:PT1H', 'RRULE:FREQ=DAILY;COUNT=3', `DESCRIPTION:${'y'.repeat(1_000_000)}`)),
    reports: [],
    copies: rids('large-description-daily', '20270104T070000Z', '20270105T070000Z', '20270106T070000Z'),
  },
  {
    name: 'twenty-thousand-attendees',
    text: calendar(event(uid('twenty-thousand-attendees'), ...AT_NOON, 'ORGANIZER:mailto:boss@example.org', ...Array.from({ length: 20_000 }, (_, i) => `ATTENDEE;CN=Person ${i}:mailto:p${i}@example.org`))),
    reports: [],
    copies: [uid('twenty-thousand-attendees')],
  },
  { name: 'long-unfolded-line', text: calendar(event(uid('long-unfolded-line'), ...AT_NOON, `SUMMARY:${'z'.repeat(100_000)}`)), reports: [], copies: [uid('long-unfolded-line')] },
  {
    name: 'ten-thousand-exdate-lines',
    text: calendar(event(uid('ten-thousand-exdate-lines'), 'DTSTART:20000101T090000Z', 'DURATION:PT30M', 'RRULE:FREQ=DAILY', ...tenThousandDaysBut('20270105', '20270108').map((day) => `EXDATE:${day}T090000Z`))),
    reports: [],
    copies: rids('ten-thousand-exdate-lines', '20270105T090000Z', '20270108T090000Z'),
  },
  {
    name: 'ten-thousand-exdates-one-line',
    text: calendar(event(uid('ten-thousand-exdates-one-line'), 'DTSTART:20000101T100000Z', 'DURATION:PT30M', 'RRULE:FREQ=DAILY', `EXDATE:${tenThousandDaysBut('20270106', '20270109').map((day) => `${day}T100000Z`).join(',')}`)),
    reports: [],
    copies: rids('ten-thousand-exdates-one-line', '20270106T100000Z', '20270109T100000Z'),
  },
  {
    name: 'ten-thousand-rdates',
    text: calendar(event(uid('ten-thousand-rdates'), 'DTSTART:20000101T110000Z', 'DURATION:PT30M', `RDATE:${Array.from({ length: 10_000 }, (_, i) => `${dayAfter2000(i + 1)}T110000Z`).join(',')}`)),
    reports: [],
    copies: rids('ten-thousand-rdates', ...WEEK_AT('110000')),
  },
  {
    name: 'rrule-without-end-secondly',
    text: calendar(event(uid('rrule-without-end-secondly'), 'DTSTART:20261201T000000Z', 'RRULE:FREQ=SECONDLY')),
    reports: [],
    warnings: [{ uid: uid('rrule-without-end-secondly'), reason: /^stopped after 100000 occurrences$/ }],
    copies: [],
  },
  {
    name: 'count-million-minutely',
    text: calendar(event(uid('count-million-minutely'), 'DTSTART:20261001T000000Z', 'RRULE:FREQ=MINUTELY;COUNT=1000000')),
    reports: [],
    warnings: [{ uid: uid('count-million-minutely'), reason: /^stopped after 100000 occurrences$/ }],
    copies: [],
  },
  {
    name: 'count-million-daily',
    text: calendar(event(uid('count-million-daily'), 'DTSTART:19900101T123000Z', 'DURATION:PT30M', 'RRULE:FREQ=DAILY;COUNT=1000000')),
    reports: [],
    copies: rids('count-million-daily', ...WEEK_AT('123000')),
  },
  {
    name: 'rule-that-never-matches',
    text: calendar(event(uid('rule-that-never-matches'), 'DTSTART:20270107T130000Z', 'DURATION:PT1H', 'RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30')),
    reports: [],
    copies: rids('rule-that-never-matches', '20270107T130000Z'),
  },
  {
    name: 'interval-zero',
    text: calendar(event(uid('interval-zero'), ...AT_NOON, 'RRULE:FREQ=DAILY;INTERVAL=0')),
    reports: [{ uid: uid('interval-zero'), reason: /^its RRULE has INTERVAL=0; it must be 1 or more$/ }],
    copies: [],
  },
  {
    name: 'count-zero',
    text: calendar(event(uid('count-zero'), ...AT_NOON, 'RRULE:FREQ=DAILY;COUNT=0')),
    reports: [{ uid: uid('count-zero'), reason: /^its RRULE has COUNT=0; it must be 1 or more$/ }],
    copies: [],
  },
  {
    name: 'unknown-freq',
    text: calendar(event(uid('unknown-freq'), ...AT_NOON, 'RRULE:FREQ=SOMETIMES')),
    reports: [{ uid: uid('unknown-freq'), reason: /^cannot be parsed: invalid frequency "SOMETIMES" expected: "SECONDLY, MINUTELY, HOURLY, DAILY, WEEKLY, MONTHLY, YEARLY"$/ }],
    copies: [],
  },
  {
    name: 'rrule-without-freq',
    text: calendar(event(uid('rrule-without-freq'), ...AT_NOON, 'RRULE:COUNT=3')),
    reports: [{ uid: uid('rrule-without-freq'), reason: /^its RRULE has no FREQ$/ }],
    copies: [],
  },
  { name: 'no-dtstart', text: calendar(event(uid('no-dtstart'), 'SUMMARY:When?')), reports: [{ uid: uid('no-dtstart'), reason: /^it has no DTSTART$/ }], copies: [] },
  {
    name: 'dtstart-garbage',
    text: calendar(event(uid('dtstart-garbage'), 'DTSTART:next tuesday', 'DURATION:PT1H')),
    reports: [{ uid: uid('dtstart-garbage'), reason: /^its DTSTART is not a valid date or date-time$/ }],
    copies: [],
  },
  {
    name: 'exdate-garbage',
    text: calendar(event(uid('exdate-garbage'), ...AT_NOON, 'RRULE:FREQ=DAILY;COUNT=3', 'EXDATE:tomorrow')),
    reports: [{ uid: uid('exdate-garbage'), reason: /^its EXDATE is not a valid date or date-time$/ }],
    copies: [],
  },
  {
    name: 'recurrence-id-garbage',
    text: calendar(event(uid('recurrence-id-garbage'), ...AT_NOON, 'RRULE:FREQ=DAILY;COUNT=3'), event(uid('recurrence-id-garbage'), 'RECURRENCE-ID:the second one', 'DTSTART:20270107T150000Z', 'DURATION:PT1H')),
    reports: [{ uid: uid('recurrence-id-garbage'), reason: /^its RECURRENCE-ID is not a valid date or date-time$/ }],
    copies: [],
  },
  {
    name: 'dtend-before-dtstart',
    text: calendar(event(uid('dtend-before-dtstart'), 'DTSTART:20270106T120000Z', 'DTEND:20270106T100000Z')),
    reports: [{ uid: uid('dtend-before-dtstart'), reason: /^its DTEND is before its DTSTART$/ }],
    copies: [],
  },
  {
    name: 'huge-duration',
    text: calendar(event(uid('huge-duration'), 'DTSTART:20270106T120000Z', 'DURATION:P99999999W')),
    reports: [{ uid: uid('huge-duration'), reason: /^its DURATION P99999999W is longer than 36525 days$/ }],
    copies: [],
  },
  { name: 'no-uid', text: calendar(lines('BEGIN:VEVENT', 'DTSTAMP:20260101T000000Z', ...AT_NOON, 'END:VEVENT')), reports: [{ reason: /^has a VEVENT without UID$/ }], copies: [] },
  {
    name: 'two-masters-one-uid',
    text: calendar(event(uid('two-masters-one-uid'), ...AT_NOON), event(uid('two-masters-one-uid'), 'DTSTART:20270107T120000Z')),
    reports: [{ uid: uid('two-masters-one-uid'), reason: /^it has 2 VEVENTs without RECURRENCE-ID$/ }],
    copies: [],
  },
  {
    // The master alone would bring back the occurrence the unreadable override moves.
    name: 'broken-override-beside-master',
    text: calendar(
      event(uid('broken-override-beside-master'), 'DTSTART:20270104T150000Z', 'DURATION:PT1H', 'RRULE:FREQ=DAILY;COUNT=5'),
      event(uid('broken-override-beside-master'), 'RECURRENCE-ID:20270105T150000Z', 'DTSTART:20270105T170000Z', 'DURATION:PT1H', 'this line has no colon'),
    ),
    reports: [{ uid: uid('broken-override-beside-master'), reason: /^cannot be parsed: invalid line \(no token ";" or ":"\) "this line has no colon"$/ }],
    copies: [],
  },
  {
    name: 'ten-thousand-overrides',
    text: calendar(
      event(uid('ten-thousand-overrides'), 'DTSTART:20000101T160000Z', 'DURATION:PT30M', 'RRULE:FREQ=DAILY'),
      ...Array.from({ length: 10_000 }, (_, i) => event(uid('ten-thousand-overrides'), `RECURRENCE-ID:${dayAfter2000(i)}T160000Z`, `DTSTART:${dayAfter2000(i)}T170000Z`, 'DURATION:PT30M')),
    ),
    reports: [],
    copies: rids('ten-thousand-overrides', ...WEEK_AT('160000')),
  },
  { name: 'method-request', text: calendar('METHOD:REQUEST', event(uid('method-request'), ...AT_NOON, 'ORGANIZER:mailto:boss@example.org')), reports: [], copies: [uid('method-request')] },
  {
    name: 'several-uids-one-object',
    text: calendar(event(uid('several-uids-one-object'), ...AT_NOON), event(uid('several-uids-second'), 'DTSTART:20270107T120000Z', 'DURATION:PT1H')),
    reports: [],
    copies: [uid('several-uids-one-object'), uid('several-uids-second')],
  },
  {
    name: 'several-vcalendars-one-object',
    text: calendar(event(uid('several-vcalendars-one-object'), ...AT_NOON)) + calendar(event(uid('several-vcalendars-second'), 'DTSTART:20270107T120000Z')),
    reports: [],
    copies: [uid('several-vcalendars-one-object'), uid('several-vcalendars-second')],
  },
  {
    // Exchange's name for Berlin; 09:00 there is 08:00 UTC in winter.
    name: 'tzid-windows-name-with-spaces',
    text: calendar(event(uid('tzid-windows-name-with-spaces'), 'DTSTART;TZID=W. Europe Standard Time:20270104T090000', 'DURATION:PT1H', 'RRULE:FREQ=DAILY;COUNT=2')),
    reports: [],
    copies: rids('tzid-windows-name-with-spaces', '20270104T080000Z', '20270105T080000Z'),
  },
  {
    // 09:30 at +05:30 is 04:00 UTC.
    name: 'tzid-quoted-with-spaces',
    text: calendar(OFFICE_ZONE, event(uid('tzid-quoted-with-spaces'), 'DTSTART;TZID="Office Time":20270104T093000', 'DURATION:PT1H', 'RRULE:FREQ=DAILY;COUNT=2')),
    reports: [],
    copies: rids('tzid-quoted-with-spaces', '20270104T040000Z', '20270105T040000Z'),
  },
  {
    // 09:00 at -03:00 is 12:00 UTC; the quotes keep the ; and : of the name out of the line's syntax.
    name: 'tzid-quoted-with-colon-and-semicolon',
    text: calendar(ODD_ZONE, event(uid('tzid-quoted-with-colon-and-semicolon'), 'DTSTART;TZID="Custom;Zone:One":20270104T090000', 'DURATION:PT1H', 'RRULE:FREQ=DAILY;COUNT=2')),
    reports: [],
    copies: rids('tzid-quoted-with-colon-and-semicolon', '20270104T120000Z', '20270105T120000Z'),
  },
  {
    name: 'tzid-unknown-quoted',
    text: calendar(event(uid('tzid-unknown-quoted'), 'DTSTART;TZID="Mars/Olympus Mons":20270104T140000', 'DURATION:PT1H', 'RRULE:FREQ=DAILY;COUNT=2')),
    reports: [],
    warnings: [{ uid: uid('tzid-unknown-quoted'), reason: /^unknown time zone "Mars\/Olympus Mons": its times are read as UTC$/ }],
    copies: rids('tzid-unknown-quoted', '20270104T140000Z', '20270105T140000Z'),
  },
  {
    name: 'vtodo-beside-vevent',
    text: calendar(
      lines('BEGIN:VTODO', `UID:${uid('a-task')}`, 'DTSTAMP:20260101T000000Z', 'DTSTART:20270105T080000Z', 'DUE:20270105T090000Z', 'RRULE:FREQ=SECONDLY', 'SUMMARY:A task', 'END:VTODO'),
      event(uid('vtodo-beside-vevent'), ...AT_NOON),
    ),
    reports: [],
    copies: [uid('vtodo-beside-vevent')],
  },
  {
    name: 'only-tasks-and-journals',
    text: calendar(
      lines('BEGIN:VTODO', `UID:${uid('only-tasks-and-journals')}`, 'DTSTAMP:20260101T000000Z', 'DUE:20270105T090000Z', 'SUMMARY:A task', 'END:VTODO'),
      lines('BEGIN:VJOURNAL', `UID:${uid('a-journal')}`, 'DTSTAMP:20260101T000000Z', 'DTSTART:20270105', 'SUMMARY:Notes', 'END:VJOURNAL'),
    ),
    reports: [],
    copies: [],
  },
  { name: 'uid-path-traversal', text: calendar(event('../../../etc/passwd', ...AT_NOON)), reports: [], copies: ['../../../etc/passwd'] },
  { name: 'uid-ten-thousand-chars', text: calendar(event(`${'u'.repeat(10_000)}@bad.example`, ...AT_NOON)), reports: [], copies: [`${'u'.repeat(10_000)}@bad.example`] },
  {
    name: 'binary-attachment',
    text: calendar(event(uid('binary-attachment'), ...AT_NOON, `ATTACH;ENCODING=BASE64;VALUE=BINARY;FMTTYPE=application/octet-stream:${garbage(400_000, 11).toString('base64')}`)),
    reports: [],
    copies: [uid('binary-attachment')],
  },
  {
    name: 'ten-thousand-alarms',
    text: calendar(event(uid('ten-thousand-alarms'), ...AT_NOON, ...Array.from({ length: 10_000 }, (_, i) => lines('BEGIN:VALARM', 'ACTION:DISPLAY', 'DESCRIPTION:ring', `TRIGGER:-PT${i}M`, 'END:VALARM')))),
    reports: [],
    copies: [uid('ten-thousand-alarms')],
  },
  { name: 'bom-and-lf-endings', text: `\uFEFF${calendar(event(uid('bom-and-lf-endings'), ...AT_NOON)).replace(/\r\n/g, '\n')}`, reports: [], copies: [uid('bom-and-lf-endings')] },
];

/** A well-formed event after every hostile case; each must sync whatever came before it. */
const neighbour = (index: number) =>
  calendar(event(`neighbour-${index}@good.example`, `DTSTART:${new Date(Date.UTC(2027, 0, 5, 0, index * 10)).toISOString().replace(/[-:]|\.\d{3}/g, '')}`, 'DURATION:PT5M', `SUMMARY:Neighbour ${index}`));
/** A series whose exceptions must all hold: daily from Friday 1 January, 10 times, without the 6th, the 7th moved. */
const STANDUP = calendar(
  event('standup@good.example', 'DTSTART:20270101T090000Z', 'DURATION:PT15M', 'RRULE:FREQ=DAILY;COUNT=10', 'EXDATE:20270106T090000Z', 'SUMMARY:Stand-up'),
  event('standup@good.example', 'RECURRENCE-ID:20270107T090000Z', 'DTSTART:20270107T110000Z', 'DURATION:PT15M', 'SUMMARY:Stand-up (moved)'),
);
const GOOD_COPIES = [
  ...['20270104', '20270105', '20270107', '20270108', '20270109', '20270110'].map((day) => `standup@good.example ${day}T090000Z`),
  ...CASES.map((_, index) => `neighbour-${index}@good.example`),
];

const asText = (data: string | Buffer) => (typeof data === 'string' ? data : data.toString('utf8'));
const window = { start: Date.parse(WINDOW.from), end: Date.parse(WINDOW.to) };
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('the suite holds at least 40 distinct hostile cases', () => {
  assert.ok(CASES.length >= 40, `${CASES.length} cases`);
  assert.equal(new Set(CASES.map((c) => c.name)).size, CASES.length);
});

describe('each hostile object stored on its own, as a CalDAV calendar holds them', { timeout: 120_000 }, () => {
  const hrefOf = (name: string) => `/calendars/user/source/${name}.ics`;
  let expansion: Expansion;

  before(() => {
    const objects = [{ href: '/calendars/user/source/standup.ics', etag: '"s"', data: STANDUP }];
    CASES.forEach((hostile, index) => {
      objects.push({ href: hrefOf(hostile.name), etag: `"${index}"`, data: asText(hostile.text) });
      objects.push({ href: `/calendars/user/source/neighbour-${index}.ics`, etag: `"n${index}"`, data: neighbour(index) });
    });
    expansion = expandWindow(objects, window);
  });

  test('exactly the well-formed events, and the hostile ones that are whole, are expanded', () => {
    const made = expansion.instances.map((i) => `${i.sourceUid} ${i.recurrenceId}`.trim()).sort();
    assert.deepEqual(made, [...GOOD_COPIES, ...CASES.flatMap((c) => c.copies)].sort());
  });

  for (const hostile of CASES) {
    const said = hostile.reports.length === 0 ? 'nothing reported' : `reported with its ${hostile.reports.some((r) => r.uid) ? 'UID' : 'href'} and cause`;
    test(`${hostile.name}: ${said}${hostile.warnings ? ', warned about' : ''}`, () => {
      const problems = expansion.problems.filter((p) => p.sourceHref === hrefOf(hostile.name));
      assert.deepEqual(problems.map((p) => p.sourceUid), hostile.reports.map((r) => r.uid), JSON.stringify(problems));
      problems.forEach((problem, i) => assert.match(problem.reason, hostile.reports[i].reason));
      const warnings = expansion.warnings.filter((w) => w.includes(`(${hrefOf(hostile.name)}): `));
      assert.equal(warnings.length, hostile.warnings?.length ?? 0, warnings.join('\n'));
      warnings.forEach((warning, i) => {
        const expected = hostile.warnings![i];
        const [head, reason] = warning.split(`(${hrefOf(hostile.name)}): `);
        assert.equal(head, `event ${expected.uid} `);
        assert.match(reason, expected.reason);
      });
    });
  }

  test('no other problem or warning is reported', () => {
    const caseHrefs = new Set(CASES.map((c) => hrefOf(c.name)));
    assert.deepEqual(expansion.problems.filter((p) => !caseHrefs.has(p.sourceHref)), []);
    assert.equal(expansion.warnings.length, CASES.reduce((n, c) => n + (c.warnings?.length ?? 0), 0));
  });
});

describe('every hostile object in one .ics file, synced by the CLI into a folder', { timeout: 180_000 }, () => {
  let work: string;
  let mirror: string;
  let run: Awaited<ReturnType<typeof runCli>>;
  const inFile = (hostile: HostileCase) => hostile.inFile ?? hostile;
  const expectedReports = CASES.flatMap((c) => inFile(c).reports);
  const expectedWarnings = CASES.flatMap((c) => inFile(c).warnings ?? []);
  /** The line of the file each case begins on, counted as any editor counts them. */
  const startLines = new Map<string, number>();
  let copies: Array<{ text: string; vevent: ICAL.Component }>;
  const copyOf = (sourceUid: string, recurrenceId?: string) => {
    const found = copies.filter(({ vevent }) => vevent.getFirstPropertyValue('x-calsync-source-uid') === sourceUid && (vevent.getFirstPropertyValue('x-calsync-recurrence-id') ?? undefined) === recurrenceId);
    assert.equal(found.length, 1, `one copy of ${sourceUid} ${recurrenceId ?? ''}`);
    return found[0];
  };

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'calsync-bad-input-'));
    mirror = join(work, 'mirror');
    const parts: Buffer[] = [Buffer.from(STANDUP)];
    CASES.forEach((hostile, index) => {
      startLines.set(hostile.name, Buffer.concat(parts).toString('utf8').split(/\r?\n/).length);
      parts.push(Buffer.from(hostile.text), Buffer.from(CRLF), Buffer.from(neighbour(index)));
    });
    writeFileSync(join(work, 'bad-input.ics'), Buffer.concat(parts));
    run = await runCli(['--source', join(work, 'bad-input.ics'), '--target', mirror, '--db', join(work, 'sync.db'), '--from', WINDOW.from, '--to', WINDOW.to], { env: { TZ: 'UTC' } });
    copies = readdirSync(mirror).map((name) => {
      const text = readFileSync(join(mirror, name), 'utf8');
      return { text, vevent: new ICAL.Component(ICAL.parse(text) as unknown[]).getFirstSubcomponent('vevent')! };
    });
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  test('the run finishes, says events were skipped, and writes exactly the expected copies', () => {
    assert.equal(run.code, 1, `${run.stdout}\n${run.stderr}`.slice(-3000));
    const expected = [...GOOD_COPIES, ...CASES.flatMap((c) => inFile(c).copies)];
    assert.deepEqual(summaryCounts(run.stdout), { created: expected.length, updated: 0, deleted: 0, unchanged: 0, retired: 0, skipped: expectedReports.length, failed: 0 });
    assert.deepEqual(describeCopies(copies.map(({ text }) => ({ data: text }))).map((line) => line.split(' | ')[0]).sort(), expected.sort());
  });

  test('each hostile event is reported on one line with its UID (or the file and line) and the cause', () => {
    const skips = run.stdout.split('\n').filter((line) => / skip /.test(line));
    assert.equal(skips.length, expectedReports.length, skips.join('\n'));
    // Objects without a UID are told apart only by their place in the file: they are counted by cause.
    const patterns = expectedReports.map((report) => {
      const who = report.uid ? `source event ${escapeRegExp(report.uid)}` : 'source object bad-input\\.ics#\\S+';
      return `\\(${who} ${report.reason.source.replace(/^\^|\$$/g, '')}; skipped, its copies are left as they are\\)$`;
    });
    for (const pattern of new Set(patterns)) {
      const line = new RegExp(pattern);
      assert.equal(skips.filter((skip) => line.test(skip)).length, patterns.filter((p) => p === pattern).length, `skip lines matching ${line}\n${skips.join('\n')}`);
    }
    const warnings = run.stderr.split('\n').filter(Boolean);
    assert.equal(warnings.length, expectedWarnings.length, run.stderr);
    for (const warning of expectedWarnings) {
      const line = new RegExp(`warning: event ${escapeRegExp(warning.uid!)} \\(bad-input\\.ics#\\S+\\): ${warning.reason.source.replace(/^\^/, '')}`);
      assert.equal(warnings.filter((w) => line.test(w)).length, 1, `one warning matching ${line}\n${run.stderr}`);
    }
  });

  test('text between calendars is reported by the line it starts on', () => {
    for (const name of ['html-error-page', 'json-body']) {
      assert.match(run.stdout, new RegExp(`\\(source object bad-input\\.ics#line-${startLines.get(name)} cannot be parsed as iCalendar: it has no BEGIN:VCALENDAR line;`), name);
    }
  });

  test('copies keep hostile text as written: HTML, odd bytes read as U+FFFD, no control characters', () => {
    assert.equal(copyOf(uid('html-description')).vevent.getFirstPropertyValue('description'), HTML);
    // An X- property's value is not known to be text: it is kept exactly as written, escapes and all.
    assert.equal(copyOf(uid('html-description')).vevent.getFirstPropertyValue('x-alt-desc'), `<html><body>${escapeText(HTML)}</body></html>`);
    assert.equal(copyOf(uid('invalid-utf8')).vevent.getFirstPropertyValue('summary'), 'Caf\uFFFD( \uFFFD');
    assert.equal(copyOf(uid('latin1-text')).vevent.getFirstPropertyValue('summary'), 'R\uFFFDunion');
    assert.equal(copyOf(uid('control-characters')).vevent.getFirstPropertyValue('summary'), 'Standup now');
    assert.equal(copyOf(uid('large-description-daily'), '20270104T070000Z').vevent.getFirstPropertyValue('description'), 'y'.repeat(1_000_000));
  });

  test('a METHOD of the source is not carried into a copy (RFC 4791 forbids it in a stored object)', () => {
    assert.doesNotMatch(copyOf(uid('method-request')).text, /^METHOD[;:]/m);
  });

  test('every attendee of a huge invitation is kept and none can be invited by the copy', () => {
    const attendees = copyOf(uid('twenty-thousand-attendees')).vevent.getAllProperties('attendee');
    assert.equal(attendees.length, 20_000);
    assert.equal(attendees.filter((a) => a.getParameter('schedule-agent') === 'CLIENT').length, 20_000);
  });

  test('odd time zone names give copies in their zone, with its VTIMEZONE', () => {
    const starts = (name: string) => describeCopies(copies.map(({ text }) => ({ data: text }))).filter((line) => line.startsWith(`${uid(name)} `)).map((line) => line.split(' | ')[2]);
    assert.deepEqual(starts('tzid-windows-name-with-spaces'), ['20270104T090000[Europe/Berlin]', '20270105T090000[Europe/Berlin]']);
    assert.deepEqual(starts('tzid-quoted-with-spaces'), ['20270104T093000[Office Time]', '20270105T093000[Office Time]']);
    assert.deepEqual(starts('tzid-quoted-with-colon-and-semicolon'), ['20270104T090000[Custom;Zone:One]', '20270105T090000[Custom;Zone:One]']);
    assert.match(copyOf(uid('tzid-quoted-with-spaces'), '20270104T040000Z').text, /^BEGIN:VTIMEZONE\r\nTZID:Office Time\r$/m);
    assert.match(copyOf(uid('tzid-quoted-with-colon-and-semicolon'), '20270104T120000Z').text, /^BEGIN:VTIMEZONE\r\nTZID:Custom\\;Zone:One\r$/m);
  });

  test('overrides of a series with ten thousand of them are each kept', () => {
    const lines = describeCopies(copies.map(({ text }) => ({ data: text }))).filter((line) => line.startsWith(uid('ten-thousand-overrides')));
    assert.deepEqual(lines.map((line) => line.split(' | ')[2]), WEEK_AT('170000'));
  });

  test('a UID made to look like a path only ever names a copy inside the folder', () => {
    assert.ok(readdirSync(mirror).every((name) => /^calsync-[0-9a-f]{32}\.ics$/.test(name) && statSync(join(mirror, name)).isFile()));
    const stateFiles = new Set(['sync.db', 'sync.db-shm', 'sync.db-wal']);
    assert.deepEqual(readdirSync(work).filter((name) => !stateFiles.has(name)).sort(), ['bad-input.ics', 'mirror']);
    assert.equal(copyOf('../../../etc/passwd').vevent.getFirstPropertyValue('x-calsync-source-uid'), '../../../etc/passwd');
  });
});
