// Unit tests of what is read from a target object to recognise duplicates and earlier copies
// (canonicalHash itself is proven in canonical-hash.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalHash } from '../lib/render-copy.ts';
import { readTargetObject } from '../lib/target-object-facts.ts';
import { BERLIN_VTIMEZONE } from './harness/vtimezones.ts';

const BERLIN = BERLIN_VTIMEZONE;
const calendar = (...lines: string[]) => ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//t//EN', ...lines, 'END:VCALENDAR', ''].join('\r\n');

test('a single zoned event is one occurrence: its span in UTC, its SUMMARY, SEQUENCE and CREATED', () => {
  const data = calendar(...BERLIN, 'BEGIN:VEVENT', 'UID:a@x', 'DTSTAMP:20260901T000000Z', 'CREATED:20260801T101500Z', 'SEQUENCE:2', 'DTSTART;TZID=Europe/Berlin:20261026T093000', 'DTEND;TZID=Europe/Berlin:20261026T100000', 'SUMMARY:Review', 'END:VEVENT');
  assert.deepEqual(readTargetObject(data), {
    markers: null,
    span: { start: '2026-10-26T08:30:00Z', end: '2026-10-26T09:00:00Z' },
    facts: { uid: 'a@x', recurrenceId: '', summary: 'Review', recurring: false, sequence: 2, createdAt: '2026-08-01T10:15:00Z', canonicalHash: canonicalHash(data) },
  });
});

test('a series is marked recurring and not expanded; the RRULEs of a VTIMEZONE do not make a series', () => {
  const series = calendar('BEGIN:VEVENT', 'UID:s@x', 'DTSTAMP:20260901T000000Z', 'DTSTART:20261026T093000Z', 'RRULE:FREQ=DAILY', 'SUMMARY:Daily', 'END:VEVENT');
  assert.deepEqual(readTargetObject(series), { markers: null, span: null, facts: { uid: 's@x', recurrenceId: '', summary: '', recurring: true, sequence: 0, createdAt: '', canonicalHash: canonicalHash(series) } });
  const withoutCreated = calendar(...BERLIN, 'BEGIN:VEVENT', 'UID:b@x', 'DTSTAMP:20260901T000000Z', 'RECURRENCE-ID;TZID=Europe/Berlin:20261026T093000', 'DTSTART;TZID=Europe/Berlin:20261027T093000', 'SUMMARY:Moved', 'END:VEVENT');
  assert.deepEqual(readTargetObject(withoutCreated).facts, { uid: 'b@x', recurrenceId: '20261026T083000Z', summary: 'Moved', recurring: false, sequence: 0, createdAt: '2026-09-01T00:00:00Z', canonicalHash: canonicalHash(withoutCreated) });
});
