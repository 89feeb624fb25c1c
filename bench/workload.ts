// Deterministic calendars for the benchmark: N source objects, a fifth of them recurring series
// with an override and an EXDATE, several time zones, all-day events. Same seed, same calendar.

import { BERLIN_VTIMEZONE } from '../test/harness/vtimezones.ts';
import { seededRandom } from '../test/harness/seeded-random.ts';

const DAY = 86_400_000;
const BERLIN = BERLIN_VTIMEZONE;

const pad = (n: number) => String(n).padStart(2, '0');
/** Local wall time of an epoch-ms value, as iCalendar text (the value is taken as wall clock). */
const local = (ms: number) => {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}00`;
};
const date = (ms: number) => local(ms).slice(0, 8);

export interface WorkloadObject {
  name: string;
  uid: string;
  ics: string;
}

/**
 * `count` objects around `anchor` (epoch ms, a day boundary): singles spread from 60 days before to
 * 180 after (about half inside the default window), series of a few occurrences near the anchor.
 */
export function workload(count: number, anchor: number, seed = 1): WorkloadObject[] {
  const next = seededRandom(seed);
  const zones = ['Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'UTC'];
  const objects: WorkloadObject[] = [];
  for (let i = 0; i < count; i++) {
    const uid = `bench-${seed}-${i}@example.org`;
    const zone = zones[i % zones.length];
    const lines: string[] = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//caldav-instance-sync//bench//EN'];
    if (zone === 'Europe/Berlin') lines.push(...BERLIN);
    const time = (ms: number) => (zone === 'UTC' ? `:${local(ms)}Z` : `;TZID=${zone}:${local(ms)}`);
    const hour = 8 + Math.floor(next() * 10);
    const event = ['BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20260101T000000Z', `SUMMARY:Bench event ${i}`, `DESCRIPTION:Seeded event ${i} of ${count}.`, `LOCATION:Room ${1 + (i % 40)}`];
    const kind = i % 10;
    if (kind < 2) {
      // A series: weekly or daily, three occurrences from near the anchor, one excluded, one moved.
      const start = anchor + Math.floor(next() * 30 - 10) * DAY + hour * 3_600_000;
      const step = kind === 0 ? 7 * DAY : DAY;
      event.push(`DTSTART${time(start)}`, `DTEND${time(start + 3_600_000)}`, `RRULE:FREQ=${kind === 0 ? 'WEEKLY' : 'DAILY'};COUNT=4`, `EXDATE${time(start + step)}`, 'END:VEVENT');
      event.push(
        'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20260101T000000Z', `RECURRENCE-ID${time(start + 2 * step)}`,
        `DTSTART${time(start + 2 * step + 7_200_000)}`, `DTEND${time(start + 2 * step + 10_800_000)}`, `SUMMARY:Bench event ${i} (moved)`, 'END:VEVENT',
      );
    } else if (kind === 2) {
      const day = anchor + Math.floor(next() * 240 - 60) * DAY;
      event.push(`DTSTART;VALUE=DATE:${date(day)}`, `DTEND;VALUE=DATE:${date(day + DAY)}`, 'TRANSP:TRANSPARENT', 'END:VEVENT');
    } else {
      const start = anchor + Math.floor(next() * 240 - 60) * DAY + hour * 3_600_000;
      event.push(`DTSTART${time(start)}`, `DTEND${time(start + 1_800_000 * (1 + Math.floor(next() * 4)))}`, 'END:VEVENT');
    }
    lines.push(...event, 'END:VCALENDAR', '');
    objects.push({ name: `bench-${i}.ics`, uid, ics: lines.join('\r\n') });
  }
  return objects;
}

/** The same object with a changed SUMMARY, for the "after 10 changes" measurement. */
export function edited(object: WorkloadObject): WorkloadObject {
  return { ...object, ics: object.ics.replace(/SUMMARY:Bench event (\d+)\r\n/, 'SUMMARY:Bench event $1 (edited)\r\n') };
}
