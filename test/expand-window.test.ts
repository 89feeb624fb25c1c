// Unit tests of expandWindow (source objects -> occurrences inside the window) and of renderCopy
// where it is about the copy's content. Every expected value below is written out by hand from
// RFC 5545; none is computed by the code under test.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import ICAL from 'ical.js';
import type { SourceInstance, SyncWindow } from '../lib/domain.ts';
import { EXPANSION_LIMITS, expandWindow, type Expansion } from '../lib/expand-window.ts';
import { renderCopy } from '../lib/render-copy.ts';

/** A VCALENDAR around the given content lines, CRLF-terminated as RFC 5545 wants. */
function cal(...lines: string[]): string {
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//caldav-instance-sync//unit test//EN', ...lines, 'END:VCALENDAR', ''].join('\r\n');
}

/** A VEVENT with a fixed DTSTAMP; the lines give everything else. */
function vevent(uid: string, ...lines: string[]): string[] {
  return ['BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20260101T000000Z', ...lines, 'END:VEVENT'];
}

const BERLIN = [
  'BEGIN:VTIMEZONE',
  'TZID:Europe/Berlin',
  'BEGIN:DAYLIGHT',
  'TZOFFSETFROM:+0100',
  'TZOFFSETTO:+0200',
  'TZNAME:CEST',
  'DTSTART:19700329T020000',
  'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
  'END:DAYLIGHT',
  'BEGIN:STANDARD',
  'TZOFFSETFROM:+0200',
  'TZOFFSETTO:+0100',
  'TZNAME:CET',
  'DTSTART:19701025T030000',
  'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
  'END:STANDARD',
  'END:VTIMEZONE',
];

/** 2026-10-01T00:00:00Z .. 2027-01-01T00:00:00Z */
const Q4_2026: SyncWindow = { start: Date.UTC(2026, 9, 1), end: Date.UTC(2027, 0, 1) };

function expand(data: string, window: SyncWindow = Q4_2026, href = '/cal/source.ics'): Expansion {
  return expandWindow([{ href, etag: '"e1"', data }], window);
}

interface Span {
  recurrenceId: string;
  start: string;
  end: string;
}

/** The instances as {recurrenceId, start, end}, in order of start (then recurrence id). */
function spans(instances: SourceInstance[]): Span[] {
  return instances
    .map(({ recurrenceId, start, end }) => ({ recurrenceId, start, end }))
    .sort((a, b) => (a.start === b.start ? a.recurrenceId.localeCompare(b.recurrenceId) : a.start.localeCompare(b.start)));
}

function summaryOf(instance: SourceInstance): unknown {
  return instance.vevent.getFirstPropertyValue('summary');
}

function render(instance: SourceInstance, pairKey = 'pair-a') {
  return renderCopy(instance, pairKey, (name) => `/target/${name}`);
}

/** Content lines of an iCalendar text with folding undone. */
function lines(ics: string): string[] {
  return ics.replace(/\r?\n[ \t]/g, '').split(/\r?\n/).filter((line) => line !== '');
}

/** The VEVENT of a rendered copy, read back with ical.js. */
function copyEvent(ics: string): ICAL.Component {
  const calendar = new ICAL.Component(ICAL.parse(ics) as unknown[]);
  const events = calendar.getAllSubcomponents('vevent');
  assert.equal(events.length, 1, 'a copy holds exactly one VEVENT');
  return events[0];
}

describe('expandWindow: single events and time zones', () => {
  test('a single zoned event with an embedded VTIMEZONE has recurrenceId "" and the right UTC start/end', () => {
    const result = expand(
      cal(
        ...BERLIN,
        // 2026-10-20 is summer time (CEST, +02:00); 2026-11-10 is winter time (CET, +01:00).
        ...vevent('summer@example.org', 'DTSTART;TZID=Europe/Berlin:20261020T100000', 'DTEND;TZID=Europe/Berlin:20261020T113000', 'SUMMARY:Summer'),
        ...vevent('winter@example.org', 'DTSTART;TZID=Europe/Berlin:20261110T100000', 'DTEND;TZID=Europe/Berlin:20261110T113000', 'SUMMARY:Winter'),
      ),
    );
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.warnings, []);
    const byUid = new Map(result.instances.map((i) => [i.sourceUid, i]));
    assert.equal(result.instances.length, 2);
    assert.deepEqual(spans([byUid.get('summer@example.org')!]), [{ recurrenceId: '', start: '2026-10-20T08:00:00Z', end: '2026-10-20T09:30:00Z' }]);
    assert.deepEqual(spans([byUid.get('winter@example.org')!]), [{ recurrenceId: '', start: '2026-11-10T09:00:00Z', end: '2026-11-10T10:30:00Z' }]);
    const summer = byUid.get('summer@example.org')!;
    assert.equal(summer.sourceHref, '/cal/source.ics');
    assert.equal(summer.sourceEtag, '"e1"');
    assert.deepEqual(summer.timezones.map((z) => z.getFirstPropertyValue('tzid')), ['Europe/Berlin']);
  });

  test('a TZID without an embedded VTIMEZONE resolves as the IANA zone (9:00 New York on 2026-11-02 is 14:00Z) and the copy carries its VTIMEZONE', () => {
    const result = expand(
      cal(...vevent('ny@example.org', 'DTSTART;TZID=America/New_York:20261102T090000', 'DTEND;TZID=America/New_York:20261102T100000', 'SUMMARY:NY')),
    );
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.warnings, []);
    assert.deepEqual(spans(result.instances), [{ recurrenceId: '', start: '2026-11-02T14:00:00Z', end: '2026-11-02T15:00:00Z' }]);
    const copy = lines(render(result.instances[0]).ics);
    assert.ok(copy.includes('BEGIN:VTIMEZONE'), 'the copy has a VTIMEZONE');
    assert.ok(copy.includes('TZID:America/New_York'), 'the VTIMEZONE is America/New_York');
    assert.ok(copy.includes('DTSTART;TZID=America/New_York:20261102T090000'), copy.join('\n'));
    assert.ok(copy.indexOf('BEGIN:VTIMEZONE') < copy.indexOf('BEGIN:VEVENT'));
  });

  test('an unknown TZID (Mars/Olympus) gives a warning naming the UID and the zone, and its times are read as UTC', (t) => {
    const printed = t.mock.method(console, 'error', () => {});
    const result = expand(
      cal(...vevent('mars@example.org', 'DTSTART;TZID=Mars/Olympus:20261102T090000', 'DTEND;TZID=Mars/Olympus:20261102T100000', 'SUMMARY:Mars')),
    );
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.warnings, ['event mars@example.org (/cal/source.ics): unknown time zone "Mars/Olympus": its times are read as UTC']);
    assert.equal(printed.mock.callCount(), 0, 'nothing is printed behind the warning');
    assert.deepEqual(spans(result.instances), [{ recurrenceId: '', start: '2026-11-02T09:00:00Z', end: '2026-11-02T10:00:00Z' }]);
  });
});

describe('expandWindow: recurrence', () => {
  test('weekly COUNT=4 with EXDATE and RDATE: the EXDATE does not extend COUNT, the RDATE adds one, ids are canonical UTC', () => {
    const result = expand(
      cal(
        ...vevent(
          'weekly@example.org',
          'DTSTART:20261005T140000Z',
          'DTEND:20261005T150000Z',
          'RRULE:FREQ=WEEKLY;COUNT=4',
          'EXDATE:20261012T140000Z',
          'RDATE:20261008T140000Z',
          'SUMMARY:Weekly',
        ),
      ),
    );
    assert.deepEqual(result.problems, []);
    assert.deepEqual(spans(result.instances), [
      { recurrenceId: '20261005T140000Z', start: '2026-10-05T14:00:00Z', end: '2026-10-05T15:00:00Z' },
      { recurrenceId: '20261008T140000Z', start: '2026-10-08T14:00:00Z', end: '2026-10-08T15:00:00Z' },
      { recurrenceId: '20261019T140000Z', start: '2026-10-19T14:00:00Z', end: '2026-10-19T15:00:00Z' },
      { recurrenceId: '20261026T140000Z', start: '2026-10-26T14:00:00Z', end: '2026-10-26T15:00:00Z' },
    ]);
    assert.ok(result.instances.every((i) => i.sourceUid === 'weekly@example.org'));
  });

  test('a series whose DTSTART is years before the window yields only the occurrences inside the window', () => {
    // Every Monday 09:00Z since 2020-01-06; the window holds the Mondays 2026-10-05 and 2026-10-12.
    const result = expand(
      cal(...vevent('old@example.org', 'DTSTART:20200106T090000Z', 'DTEND:20200106T100000Z', 'RRULE:FREQ=WEEKLY;BYDAY=MO')),
      { start: Date.UTC(2026, 9, 1), end: Date.UTC(2026, 9, 15) },
    );
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.warnings, []);
    assert.deepEqual(spans(result.instances), [
      { recurrenceId: '20261005T090000Z', start: '2026-10-05T09:00:00Z', end: '2026-10-05T10:00:00Z' },
      { recurrenceId: '20261012T090000Z', start: '2026-10-12T09:00:00Z', end: '2026-10-12T10:00:00Z' },
    ]);
  });

  test('a zoned weekly series keeps its wall-clock time across the DST change (RECURRENCE-IDs in UTC)', () => {
    // 16:00 Berlin: CEST (+2) on 2026-10-19, CET (+1) on 2026-10-26 after the change of 2026-10-25.
    const result = expand(
      cal(
        ...BERLIN,
        ...vevent('dst@example.org', 'DTSTART;TZID=Europe/Berlin:20261019T160000', 'DTEND;TZID=Europe/Berlin:20261019T170000', 'RRULE:FREQ=WEEKLY;COUNT=2'),
      ),
    );
    assert.deepEqual(spans(result.instances), [
      { recurrenceId: '20261019T140000Z', start: '2026-10-19T14:00:00Z', end: '2026-10-19T15:00:00Z' },
      { recurrenceId: '20261026T150000Z', start: '2026-10-26T15:00:00Z', end: '2026-10-26T16:00:00Z' },
    ]);
  });
});

describe('expandWindow: overrides and cancellations', () => {
  const MASTER = vevent(
    'series@example.org',
    'DTSTART:20261005T140000Z',
    'DTEND:20261005T150000Z',
    'RRULE:FREQ=WEEKLY;COUNT=3',
    'SUMMARY:Weekly',
  );

  test('an override (RECURRENCE-ID) moving one occurrence to the next day replaces it, with its own SUMMARY and times and the original start as recurrenceId', () => {
    const result = expand(
      cal(
        ...MASTER,
        ...vevent('series@example.org', 'RECURRENCE-ID:20261012T140000Z', 'DTSTART:20261013T160000Z', 'DTEND:20261013T170000Z', 'SUMMARY:Moved'),
      ),
    );
    assert.deepEqual(result.problems, []);
    assert.deepEqual(spans(result.instances), [
      { recurrenceId: '20261005T140000Z', start: '2026-10-05T14:00:00Z', end: '2026-10-05T15:00:00Z' },
      { recurrenceId: '20261012T140000Z', start: '2026-10-13T16:00:00Z', end: '2026-10-13T17:00:00Z' },
      { recurrenceId: '20261019T140000Z', start: '2026-10-19T14:00:00Z', end: '2026-10-19T15:00:00Z' },
    ]);
    const moved = result.instances.find((i) => i.recurrenceId === '20261012T140000Z')!;
    assert.equal(summaryOf(moved), 'Moved');
    assert.deepEqual(
      result.instances.filter((i) => i !== moved).map(summaryOf),
      ['Weekly', 'Weekly'],
    );
  });

  test('a STATUS:CANCELLED override removes its occurrence', () => {
    const result = expand(
      cal(
        ...MASTER,
        ...vevent(
          'series@example.org',
          'RECURRENCE-ID:20261012T140000Z',
          'DTSTART:20261012T140000Z',
          'DTEND:20261012T150000Z',
          'STATUS:CANCELLED',
          'SUMMARY:Weekly',
        ),
      ),
    );
    assert.deepEqual(result.problems, []);
    assert.deepEqual(spans(result.instances), [
      { recurrenceId: '20261005T140000Z', start: '2026-10-05T14:00:00Z', end: '2026-10-05T15:00:00Z' },
      { recurrenceId: '20261019T140000Z', start: '2026-10-19T14:00:00Z', end: '2026-10-19T15:00:00Z' },
    ]);
  });

  test('a cancelled master yields no instances', () => {
    const result = expand(
      cal(
        ...vevent(
          'gone@example.org',
          'DTSTART:20261005T140000Z',
          'DTEND:20261005T150000Z',
          'RRULE:FREQ=WEEKLY;COUNT=3',
          'STATUS:CANCELLED',
        ),
        ...vevent('gone-single@example.org', 'DTSTART:20261006T140000Z', 'DTEND:20261006T150000Z', 'STATUS:CANCELLED'),
      ),
    );
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.instances, []);
  });

  test('an override whose RECURRENCE-ID has a TZID matches the occurrence of a UTC master (canonical UTC comparison)', () => {
    // 16:00 Berlin on 2026-10-12 (CEST) is 14:00Z, the master's second occurrence.
    const result = expand(
      cal(
        ...BERLIN,
        ...MASTER,
        ...vevent(
          'series@example.org',
          'RECURRENCE-ID;TZID=Europe/Berlin:20261012T160000',
          'DTSTART:20261012T180000Z',
          'DTEND:20261012T190000Z',
          'SUMMARY:Later',
        ),
      ),
    );
    assert.deepEqual(result.problems, []);
    assert.deepEqual(spans(result.instances), [
      { recurrenceId: '20261005T140000Z', start: '2026-10-05T14:00:00Z', end: '2026-10-05T15:00:00Z' },
      { recurrenceId: '20261012T140000Z', start: '2026-10-12T18:00:00Z', end: '2026-10-12T19:00:00Z' },
      { recurrenceId: '20261019T140000Z', start: '2026-10-19T14:00:00Z', end: '2026-10-19T15:00:00Z' },
    ]);
  });

  test('an override whose RECURRENCE-ID is UTC matches the occurrence of a zoned master (canonical UTC comparison)', () => {
    const result = expand(
      cal(
        ...BERLIN,
        ...vevent(
          'zoned@example.org',
          'DTSTART;TZID=Europe/Berlin:20261005T160000',
          'DTEND;TZID=Europe/Berlin:20261005T170000',
          'RRULE:FREQ=WEEKLY;COUNT=3',
          'SUMMARY:Weekly',
        ),
        ...vevent('zoned@example.org', 'RECURRENCE-ID:20261012T140000Z', 'DTSTART:20261012T180000Z', 'DTEND:20261012T190000Z', 'SUMMARY:Later'),
      ),
    );
    assert.deepEqual(result.problems, []);
    assert.deepEqual(spans(result.instances), [
      { recurrenceId: '20261005T140000Z', start: '2026-10-05T14:00:00Z', end: '2026-10-05T15:00:00Z' },
      { recurrenceId: '20261012T140000Z', start: '2026-10-12T18:00:00Z', end: '2026-10-12T19:00:00Z' },
      { recurrenceId: '20261019T140000Z', start: '2026-10-19T14:00:00Z', end: '2026-10-19T15:00:00Z' },
    ]);
    assert.equal(summaryOf(result.instances.find((i) => i.recurrenceId === '20261012T140000Z')!), 'Later');
  });

  // Window 2026-10-10 .. 2026-10-17: of the Mondays 10-05, 10-12, 10-19 only 10-12 lies inside.
  const NARROW: SyncWindow = { start: Date.UTC(2026, 9, 10), end: Date.UTC(2026, 9, 17) };

  test('an override that moves an occurrence from outside the window into it is included', () => {
    const result = expand(
      cal(
        ...vevent('endless@example.org', 'DTSTART:20261005T140000Z', 'DTEND:20261005T150000Z', 'RRULE:FREQ=WEEKLY', 'SUMMARY:Weekly'),
        // The week after the window, moved into it.
        ...vevent('endless@example.org', 'RECURRENCE-ID:20261019T140000Z', 'DTSTART:20261015T140000Z', 'DTEND:20261015T150000Z', 'SUMMARY:Early'),
        // Weeks beyond the end of the window (and beyond any stepping up to it), moved into it.
        ...vevent('endless@example.org', 'RECURRENCE-ID:20261207T140000Z', 'DTSTART:20261016T090000Z', 'DTEND:20261016T100000Z', 'SUMMARY:Much earlier'),
      ),
      NARROW,
    );
    assert.deepEqual(result.problems, []);
    assert.deepEqual(spans(result.instances), [
      { recurrenceId: '20261012T140000Z', start: '2026-10-12T14:00:00Z', end: '2026-10-12T15:00:00Z' },
      { recurrenceId: '20261019T140000Z', start: '2026-10-15T14:00:00Z', end: '2026-10-15T15:00:00Z' },
      { recurrenceId: '20261207T140000Z', start: '2026-10-16T09:00:00Z', end: '2026-10-16T10:00:00Z' },
    ]);
  });

  test('an override that moves an occurrence out of the window is excluded', () => {
    const result = expand(
      cal(
        ...MASTER,
        ...vevent('series@example.org', 'RECURRENCE-ID:20261012T140000Z', 'DTSTART:20261020T140000Z', 'DTEND:20261020T150000Z', 'SUMMARY:Later'),
      ),
      NARROW,
    );
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.instances, []);
  });

  test('overrides without a master (only RECURRENCE-ID VEVENTs) still yield instances', () => {
    const result = expand(
      cal(
        ...vevent('orphan@example.org', 'RECURRENCE-ID:20261012T140000Z', 'DTSTART:20261012T150000Z', 'DTEND:20261012T160000Z', 'SUMMARY:A'),
        ...vevent('orphan@example.org', 'RECURRENCE-ID:20261019T140000Z', 'DTSTART:20261019T140000Z', 'DTEND:20261019T150000Z', 'SUMMARY:B'),
      ),
    );
    assert.deepEqual(result.problems, []);
    assert.deepEqual(spans(result.instances), [
      { recurrenceId: '20261012T140000Z', start: '2026-10-12T15:00:00Z', end: '2026-10-12T16:00:00Z' },
      { recurrenceId: '20261019T140000Z', start: '2026-10-19T14:00:00Z', end: '2026-10-19T15:00:00Z' },
    ]);
    assert.ok(result.instances.every((i) => i.sourceUid === 'orphan@example.org'));
  });
});

describe('expandWindow: all-day events and missing DTEND', () => {
  test('an all-day 3-day event spans 2026-12-24T00:00Z..2026-12-27T00:00Z and its copy keeps VALUE=DATE with no time', () => {
    const result = expand(cal(...vevent('closed@example.org', 'DTSTART;VALUE=DATE:20261224', 'DTEND;VALUE=DATE:20261227', 'SUMMARY:Office closed')));
    assert.deepEqual(result.problems, []);
    assert.deepEqual(spans(result.instances), [{ recurrenceId: '', start: '2026-12-24T00:00:00Z', end: '2026-12-27T00:00:00Z' }]);
    const copy = lines(render(result.instances[0]).ics);
    assert.ok(copy.includes('DTSTART;VALUE=DATE:20261224'), copy.join('\n'));
    assert.ok(copy.includes('DTEND;VALUE=DATE:20261227'), copy.join('\n'));
    for (const line of copy.filter((l) => /^DT(START|END)[;:]/.test(l))) {
      assert.doesNotMatch(line, /T\d{6}|Z$/, `no time and no Z: ${line}`);
    }
  });

  test('a yearly all-day series gives recurrence ids in YYYYMMDD form and date-only copies', () => {
    const result = expand(
      cal(...vevent('xmas@example.org', 'DTSTART;VALUE=DATE:20201224', 'DTEND;VALUE=DATE:20201225', 'RRULE:FREQ=YEARLY', 'SUMMARY:Christmas Eve')),
      { start: Date.UTC(2026, 0, 1), end: Date.UTC(2028, 0, 1) },
    );
    assert.deepEqual(result.problems, []);
    assert.deepEqual(spans(result.instances), [
      { recurrenceId: '20261224', start: '2026-12-24T00:00:00Z', end: '2026-12-25T00:00:00Z' },
      { recurrenceId: '20271224', start: '2027-12-24T00:00:00Z', end: '2027-12-25T00:00:00Z' },
    ]);
    const copy = lines(render(result.instances.find((i) => i.recurrenceId === '20271224')!).ics);
    assert.ok(copy.includes('DTSTART;VALUE=DATE:20271224'), copy.join('\n'));
    assert.ok(copy.includes('DTEND;VALUE=DATE:20271225'), copy.join('\n'));
    assert.ok(copy.includes('X-CALSYNC-RECURRENCE-ID:20271224'), copy.join('\n'));
  });

  test('a DATE-TIME event without DTEND is zero-length', () => {
    const result = expand(cal(...vevent('reminder@example.org', 'DTSTART:20261020T100000Z', 'SUMMARY:Reminder')));
    assert.deepEqual(spans(result.instances), [{ recurrenceId: '', start: '2026-10-20T10:00:00Z', end: '2026-10-20T10:00:00Z' }]);
  });

  test('a DATE event without DTEND lasts one day', () => {
    const result = expand(cal(...vevent('holiday@example.org', 'DTSTART;VALUE=DATE:20261021', 'SUMMARY:Holiday')));
    assert.deepEqual(spans(result.instances), [{ recurrenceId: '', start: '2026-10-21T00:00:00Z', end: '2026-10-22T00:00:00Z' }]);
  });

  test('DURATION is kept on the copy of a series occurrence (and gives its end)', () => {
    const result = expand(
      cal(...vevent('review@example.org', 'DTSTART:20261005T140000Z', 'DURATION:PT90M', 'RRULE:FREQ=WEEKLY;COUNT=2', 'SUMMARY:Review')),
    );
    assert.deepEqual(spans(result.instances), [
      { recurrenceId: '20261005T140000Z', start: '2026-10-05T14:00:00Z', end: '2026-10-05T15:30:00Z' },
      { recurrenceId: '20261012T140000Z', start: '2026-10-12T14:00:00Z', end: '2026-10-12T15:30:00Z' },
    ]);
    const copy = lines(render(result.instances.find((i) => i.recurrenceId === '20261012T140000Z')!).ics);
    assert.ok(copy.includes('DTSTART:20261012T140000Z'), copy.join('\n'));
    assert.ok(copy.includes('DURATION:PT90M'), copy.join('\n'));
    assert.ok(!copy.some((l) => /^DTEND[;:]/.test(l)), 'no DTEND added next to DURATION');
  });
});

describe('expandWindow: window membership', () => {
  // 2026-10-10T00:00Z .. 2026-10-17T00:00Z
  const WEEK: SyncWindow = { start: Date.UTC(2026, 9, 10), end: Date.UTC(2026, 9, 17) };

  test('an event ending exactly at the window start is out', () => {
    const result = expand(cal(...vevent('before@example.org', 'DTSTART:20261009T220000Z', 'DTEND:20261010T000000Z')), WEEK);
    assert.deepEqual(result.instances, []);
  });

  test('an event starting exactly at the window end is out', () => {
    const result = expand(cal(...vevent('after@example.org', 'DTSTART:20261017T000000Z', 'DTEND:20261017T010000Z')), WEEK);
    assert.deepEqual(result.instances, []);
  });

  test('an event spanning the whole window is in', () => {
    const result = expand(cal(...vevent('long@example.org', 'DTSTART:20261001T000000Z', 'DTEND:20261031T000000Z')), WEEK);
    assert.deepEqual(spans(result.instances), [{ recurrenceId: '', start: '2026-10-01T00:00:00Z', end: '2026-10-31T00:00:00Z' }]);
  });

  test('an event starting just before the window end and one ending just after its start are in', () => {
    const result = expand(
      cal(
        ...vevent('late@example.org', 'DTSTART:20261016T233000Z', 'DTEND:20261017T003000Z'),
        ...vevent('early@example.org', 'DTSTART:20261009T233000Z', 'DTEND:20261010T003000Z'),
      ),
      WEEK,
    );
    assert.deepEqual(spans(result.instances), [
      { recurrenceId: '', start: '2026-10-09T23:30:00Z', end: '2026-10-10T00:30:00Z' },
      { recurrenceId: '', start: '2026-10-16T23:30:00Z', end: '2026-10-17T00:30:00Z' },
    ]);
  });
});

describe('expandWindow: broken input', () => {
  const GOOD = vevent('good@example.org', 'DTSTART:20261006T140000Z', 'DTEND:20261006T150000Z', 'SUMMARY:Good');
  const GOOD_SPAN = [{ recurrenceId: '', start: '2026-10-06T14:00:00Z', end: '2026-10-06T15:00:00Z' }];

  test('an object that is not iCalendar gives one problem naming its href and no instances', () => {
    const result = expandWindow(
      [
        { href: '/cal/garbage.ics', etag: '"g"', data: 'this is not a calendar' },
        { href: '/cal/good.ics', etag: '"ok"', data: cal(...GOOD) },
      ],
      Q4_2026,
    );
    assert.equal(result.problems.length, 1);
    assert.equal(result.problems[0].sourceHref, '/cal/garbage.ics');
    assert.equal(result.problems[0].sourceUid, undefined);
    assert.deepEqual(spans(result.instances), GOOD_SPAN);
    assert.ok(result.instances.every((i) => i.sourceHref === '/cal/good.ics'));
  });

  test('an empty object gives one problem naming its href and does not stop the expansion', () => {
    let result: Expansion | undefined;
    assert.doesNotThrow(() => {
      result = expandWindow(
        [
          { href: '/cal/empty.ics', etag: '"z"', data: '' },
          { href: '/cal/good.ics', etag: '"ok"', data: cal(...GOOD) },
        ],
        Q4_2026,
      );
    });
    assert.equal(result!.problems.length, 1);
    assert.equal(result!.problems[0].sourceHref, '/cal/empty.ics');
    assert.deepEqual(spans(result!.instances), GOOD_SPAN);
  });

  test('a VEVENT with an invalid RRULE (FREQ=SOMETIMES) gives a problem naming its UID while the other event in the object still yields its instance', () => {
    const result = expand(
      cal(...vevent('bad-rule@example.org', 'DTSTART:20261005T140000Z', 'DTEND:20261005T150000Z', 'RRULE:FREQ=SOMETIMES'), ...GOOD),
    );
    assert.equal(result.problems.length, 1, JSON.stringify(result.problems));
    assert.equal(result.problems[0].sourceHref, '/cal/source.ics');
    assert.equal(result.problems[0].sourceUid, 'bad-rule@example.org');
    assert.deepEqual(spans(result.instances), GOOD_SPAN);
  });

  test('a VEVENT with an RRULE without FREQ gives a problem naming its UID while the other event in the object still yields its instance', () => {
    const result = expand(cal(...vevent('no-freq@example.org', 'DTSTART:20261005T140000Z', 'DTEND:20261005T150000Z', 'RRULE:COUNT=3'), ...GOOD));
    assert.equal(result.problems.length, 1, JSON.stringify(result.problems));
    assert.equal(result.problems[0].sourceHref, '/cal/source.ics');
    assert.equal(result.problems[0].sourceUid, 'no-freq@example.org');
    assert.equal(result.problems[0].reason, 'its RRULE has no FREQ');
    assert.deepEqual(spans(result.instances), GOOD_SPAN);
  });

  test('a VEVENT without DTSTART gives a problem naming its UID while the other event in the object still yields its instance', () => {
    const result = expand(cal(...vevent('no-start@example.org', 'SUMMARY:When?'), ...GOOD));
    assert.equal(result.problems.length, 1, JSON.stringify(result.problems));
    assert.equal(result.problems[0].sourceHref, '/cal/source.ics');
    assert.equal(result.problems[0].sourceUid, 'no-start@example.org');
    assert.match(result.problems[0].reason, /DTSTART/);
    assert.deepEqual(spans(result.instances), GOOD_SPAN);
  });
});

describe('expandWindow: RFC 5545 edge cases', () => {
  test(
    'COUNT counts a DTSTART that the rule does not match as the first occurrence (RFC 5545 3.3.10)',
    () => {
      const result = expand(
        cal(...vevent('unsynced@example.org', 'DTSTART:20261006T140000Z', 'DTEND:20261006T150000Z', 'RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=3')),
      );
      assert.deepEqual(spans(result.instances), [
        { recurrenceId: '20261006T140000Z', start: '2026-10-06T14:00:00Z', end: '2026-10-06T15:00:00Z' },
        { recurrenceId: '20261012T140000Z', start: '2026-10-12T14:00:00Z', end: '2026-10-12T15:00:00Z' },
        { recurrenceId: '20261019T140000Z', start: '2026-10-19T14:00:00Z', end: '2026-10-19T15:00:00Z' },
      ]);
    },
  );

  test(
    'an RDATE of VALUE=PERIOD adds an occurrence with the period\'s own start and end (RFC 5545 3.8.5.2)',
    () => {
      const result = expand(
        cal(
          ...vevent(
            'period@example.org',
            'DTSTART:20261005T140000Z',
            'DTEND:20261005T150000Z',
            'RDATE;VALUE=PERIOD:20261008T100000Z/20261008T130000Z',
          ),
        ),
      );
      assert.deepEqual(result.problems, []);
      assert.deepEqual(spans(result.instances), [
        { recurrenceId: '20261005T140000Z', start: '2026-10-05T14:00:00Z', end: '2026-10-05T15:00:00Z' },
        { recurrenceId: '20261008T100000Z', start: '2026-10-08T10:00:00Z', end: '2026-10-08T13:00:00Z' },
      ]);
    },
  );
});

describe('renderCopy', () => {
  const SERIES = cal(
    ...vevent(
      'team@example.org',
      'DTSTART:20261005T140000Z',
      'DTEND:20261005T150000Z',
      'RRULE:FREQ=WEEKLY;COUNT=4',
      'RDATE:20261008T140000Z',
      'EXDATE:20261019T140000Z',
      'SUMMARY:Team meeting',
      'CATEGORIES:Team,Weekly',
      'X-EXAMPLE-NOTE:kept on every copy',
      'ORGANIZER;CN=Ana Lima:mailto:ana@example.org',
      'ATTENDEE;CN=Ben Okafor;PARTSTAT=ACCEPTED:mailto:ben@example.org',
      'ATTENDEE;CN=Chloe Dubois;SCHEDULE-AGENT=SERVER:mailto:chloe@example.org',
      'BEGIN:VALARM',
      'ACTION:DISPLAY',
      'DESCRIPTION:Team meeting',
      'TRIGGER:-PT10M',
      'END:VALARM',
    ),
    ...vevent('team@example.org', 'RECURRENCE-ID:20261012T140000Z', 'DTSTART:20261012T160000Z', 'DTEND:20261012T170000Z', 'SUMMARY:Team meeting (moved)'),
  );
  const SINGLE = cal(...vevent('lunch@example.org', 'DTSTART:20261020T110000Z', 'DTEND:20261020T120000Z', 'SUMMARY:Lunch'));

  function seriesInstances(): SourceInstance[] {
    const result = expand(SERIES);
    assert.deepEqual(result.problems, []);
    // 10-05, 10-08 (RDATE), 10-12 (moved), 10-26; 10-19 is excluded.
    assert.deepEqual(
      result.instances.map((i) => i.recurrenceId).sort(),
      ['20261005T140000Z', '20261008T140000Z', '20261012T140000Z', '20261026T140000Z'],
    );
    return result.instances;
  }

  test('the copy has no RRULE, RDATE, EXDATE or RECURRENCE-ID', () => {
    for (const instance of seriesInstances()) {
      const copy = lines(render(instance).ics);
      for (const name of ['RRULE', 'RDATE', 'EXDATE', 'EXRULE', 'RECURRENCE-ID']) {
        assert.ok(!copy.some((l) => l.startsWith(`${name}:`) || l.startsWith(`${name};`)), `${name} in the copy of ${instance.recurrenceId}`);
      }
    }
  });

  test('the copy UID starts with calsync- and is the same for the same (pair, uid, recurrenceId), different otherwise', () => {
    const [first, second] = seriesInstances();
    const [single] = expand(SINGLE).instances;
    const uidOf = (instance: SourceInstance, pair = 'pair-a') => copyEvent(render(instance, pair).ics).getFirstPropertyValue('uid') as string;

    const uid = uidOf(first);
    assert.match(uid, /^calsync-/);
    assert.notEqual(uid, 'team@example.org');
    // The same occurrence, expanded again from the same text, gets the same UID.
    const again = expand(SERIES).instances.find((i) => i.recurrenceId === first.recurrenceId)!;
    assert.equal(uidOf(again), uid);
    assert.equal(uidOf(first), uid);
    // Another pair, another occurrence of the same series, another event: another UID.
    assert.notEqual(uidOf(first, 'pair-b'), uid);
    assert.notEqual(uidOf(second), uid);
    assert.notEqual(uidOf(single), uid);
    // The target href is named after the UID.
    const copy = render(first);
    assert.equal(copy.targetHref, `/target/${uid}.ics`);
  });

  test('the copy carries X-CALSYNC-SOURCE-UID, X-CALSYNC-RECURRENCE-ID (absent for a single event) and X-CALSYNC-PAIR', () => {
    const occurrence = seriesInstances().find((i) => i.recurrenceId === '20261012T140000Z')!;
    const fromSeries = copyEvent(render(occurrence, 'pair-a').ics);
    assert.equal(fromSeries.getFirstPropertyValue('x-calsync-source-uid'), 'team@example.org');
    assert.equal(fromSeries.getFirstPropertyValue('x-calsync-recurrence-id'), '20261012T140000Z');
    assert.equal(fromSeries.getFirstPropertyValue('x-calsync-pair'), 'pair-a');

    const single = expand(SINGLE).instances[0];
    const copy = render(single, 'pair-a');
    const fromSingle = copyEvent(copy.ics);
    assert.equal(fromSingle.getFirstPropertyValue('x-calsync-source-uid'), 'lunch@example.org');
    assert.equal(fromSingle.hasProperty('x-calsync-recurrence-id'), false);
    assert.equal(fromSingle.getFirstPropertyValue('x-calsync-pair'), 'pair-a');
    assert.equal(copy.sourceUid, 'lunch@example.org');
    assert.equal(copy.recurrenceId, '');
    assert.equal(copy.start, '2026-10-20T11:00:00Z');
    assert.equal(copy.end, '2026-10-20T12:00:00Z');
  });

  test('ORGANIZER and every ATTENDEE carry SCHEDULE-AGENT=CLIENT', () => {
    for (const instance of seriesInstances().filter((i) => i.recurrenceId !== '20261012T140000Z')) {
      const event = copyEvent(render(instance).ics);
      const people = [...event.getAllProperties('organizer'), ...event.getAllProperties('attendee')];
      assert.equal(people.length, 3);
      for (const property of people) {
        assert.equal(property.getParameter('schedule-agent'), 'CLIENT', `${property.name} ${String(property.getFirstValue())}`);
      }
    }
  });

  test('VALARM, CATEGORIES and X- properties are kept on the copy', () => {
    const occurrence = seriesInstances().find((i) => i.recurrenceId === '20261026T140000Z')!;
    const copy = render(occurrence).ics;
    const event = copyEvent(copy);
    const alarms = event.getAllSubcomponents('valarm');
    assert.equal(alarms.length, 1);
    assert.equal(alarms[0].getFirstPropertyValue('action'), 'DISPLAY');
    assert.equal(alarms[0].getFirstProperty('trigger')!.toICALString(), 'TRIGGER:-PT10M');
    assert.ok(lines(copy).includes('CATEGORIES:Team,Weekly'), copy);
    assert.ok(lines(copy).includes('X-EXAMPLE-NOTE:kept on every copy'), copy);
    assert.ok(lines(copy).includes('DTSTART:20261026T140000Z'), copy);
    assert.ok(lines(copy).includes('DTEND:20261026T150000Z'), copy);
  });

  test('contentHash is unchanged when only DTSTAMP differs and changes when SUMMARY differs', () => {
    const version = (dtstamp: string, summary: string) =>
      [
        'BEGIN:VCALENDAR',
        'VERSION:2.0',
        'PRODID:-//caldav-instance-sync//unit test//EN',
        'BEGIN:VEVENT',
        'UID:hash@example.org',
        `DTSTAMP:${dtstamp}`,
        'DTSTART:20261020T110000Z',
        'DTEND:20261020T120000Z',
        `SUMMARY:${summary}`,
        'END:VEVENT',
        'END:VCALENDAR',
        '',
      ].join('\r\n');
    const copyOf = (data: string) => render(expand(data).instances[0]);
    const original = copyOf(version('20260101T000000Z', 'Lunch'));
    const restamped = copyOf(version('20260917T083000Z', 'Lunch'));
    const renamed = copyOf(version('20260101T000000Z', 'Lunch with Ana'));
    assert.notEqual(original.ics, restamped.ics, 'the DTSTAMP is part of the copy');
    assert.equal(original.contentHash, restamped.contentHash);
    assert.notEqual(original.contentHash, renamed.contentHash);
    assert.match(original.contentHash, /^[0-9a-f]{64}$/);
  });
});

describe('expandWindow: bounds that keep a hostile series from hanging the run', () => {
  const WEEK: SyncWindow = { start: Date.UTC(2026, 9, 5), end: Date.UTC(2026, 9, 12) };

  test('a series with more occurrences in the window than the per-series cap keeps the first 5,000 and warns', () => {
    const result = expand(cal(...vevent('every-minute@test', 'DTSTART:20261005T000000Z', 'RRULE:FREQ=MINUTELY', 'SUMMARY:Spam')), WEEK);
    assert.equal(result.instances.length, 5000);
    assert.equal(result.instances[4999].start, '2026-10-08T11:19:00Z'); // minute 4,999 after Oct 5 00:00
    assert.deepEqual(result.warnings, ['event every-minute@test (/cal/source.ics): more than 5000 occurrences in the window; the rest are left out']);
    assert.deepEqual(result.problems, []);
  });

  test('a series that would need more than 100,000 steps to reach the window stops there with a warning', () => {
    const result = expand(cal(...vevent('every-second@test', 'DTSTART:20260101T000000Z', 'RRULE:FREQ=SECONDLY', 'SUMMARY:Spam')), WEEK);
    assert.deepEqual(result.instances, []);
    assert.deepEqual(result.warnings, ['event every-second@test (/cal/source.ics): stopped after 100000 occurrences']);
  });

  test('events beyond the per-run cap are reported, so their copies are left alone, and the rest of the run is bounded', () => {
    const saved = EXPANSION_LIMITS.instancesPerRun;
    EXPANSION_LIMITS.instancesPerRun = 3;
    try {
      const result = expand(
        cal(
          ...vevent('daily@test', 'DTSTART:20261005T090000Z', 'RRULE:FREQ=DAILY;COUNT=3', 'SUMMARY:Daily'),
          ...vevent('late@test', 'DTSTART:20261006T090000Z', 'SUMMARY:One more'),
        ),
        WEEK,
      );
      assert.deepEqual(result.instances.map((i) => `${i.sourceUid} ${i.recurrenceId}`), ['daily@test 20261005T090000Z', 'daily@test 20261006T090000Z', 'daily@test 20261007T090000Z']);
      assert.deepEqual(result.problems, [{ sourceHref: '/cal/source.ics', sourceUid: 'late@test', reason: 'was not expanded: the run reached its cap of 3 instances' }]);
    } finally {
      EXPANSION_LIMITS.instancesPerRun = saved;
    }
  });
});
