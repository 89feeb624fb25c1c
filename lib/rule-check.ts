// A check of one candidate date against the BYxxx parts of an RRULE (RFC 5545 3.3.10). ical.js
// still generates the occurrences; for some rules (a yearly series from Feb 29) it generates dates
// the rule does not allow, and for others (yearly BYWEEKNO, a numbered BYDAY in a yearly rule) it
// misses dates too, so those are generated day by day and every candidate checked here.
import ICAL from 'ical.js';

const WEEKDAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];
const DAY_MS = 86_400_000;

const utcDay = (year: number, month: number, day: number) => Date.UTC(year, month - 1, day);
const daysInMonth = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();
const daysInYear = (year: number) => (utcDay(year + 1, 1, 1) - utcDay(year, 1, 1)) / DAY_MS;

/** The first day of week 1: the week (starting on `wkst`) that holds at least four days of the year. */
function weekOneStart(year: number, wkst: number): number {
  const jan4 = utcDay(year, 1, 4);
  return jan4 - ((new Date(jan4).getUTCDay() - wkst + 7) % 7) * DAY_MS;
}

/** The week number of a date and how many weeks its week-numbering year has. */
function weekOf(year: number, month: number, day: number, wkst: number): { week: number; weeks: number } {
  const date = utcDay(year, month, day);
  for (const y of [year + 1, year, year - 1]) {
    const start = weekOneStart(y, wkst);
    if (date >= start) return { week: Math.floor((date - start) / (7 * DAY_MS)) + 1, weeks: (weekOneStart(y + 1, wkst) - start) / (7 * DAY_MS) };
  }
  return { week: 0, weeks: 0 };
}

/** n-th (from the start when positive, from the end when negative) for a position in a span. */
const nth = (position: number, length: number, n: number) => (n > 0 ? Math.ceil(position / 7) === n : Math.ceil((length - position + 1) / 7) === -n);
const listed = (values: number[] | undefined, value: number, length: number) =>
  values === undefined || values.some((v) => (v > 0 ? v === value : length + v + 1 === value));

/**
 * The rule ical.js should step through: the rule itself, or for the yearly rules it gets wrong,
 * every day at the rule's times (a superset that `dateFitsRule` narrows down). COUNT is left out:
 * it is applied to the dates that fit.
 */
export function candidateRule(rule: ICAL.Recur): ICAL.Recur {
  const parts = rule.parts as Record<string, unknown[] | undefined>;
  const numberedDay = (parts.BYDAY as string[] | undefined)?.some((entry) => /\d/.test(entry)) ?? false;
  if (rule.freq === 'YEARLY' && (parts.BYWEEKNO !== undefined || numberedDay)) {
    const daily = new ICAL.Recur({ freq: 'DAILY', until: rule.until ?? undefined, wkst: rule.wkst });
    for (const name of ['BYHOUR', 'BYMINUTE', 'BYSECOND']) if (parts[name]) daily.setComponent(name, parts[name] as number[]);
    return daily;
  }
  const candidates = rule.clone();
  candidates.count = null;
  return candidates;
}

/** Whether the rule allows the local date of `time` (the dates of a series are those of DTSTART's zone). */
export function dateFitsRule(rule: ICAL.Recur, dtstart: ICAL.Time, time: ICAL.Time): boolean {
  const parts = rule.parts as Record<string, Array<number | string> | undefined>;
  const numbers = (name: string) => parts[name]?.map(Number);
  const { year, month, day } = time;
  const yearDay = (utcDay(year, month, day) - utcDay(year, 1, 1)) / DAY_MS + 1;
  const weekday = new Date(utcDay(year, month, day)).getUTCDay();
  const byDay = parts.BYDAY as string[] | undefined;
  const hasAny = (...names: string[]) => names.some((name) => parts[name] !== undefined);

  if (rule.freq === 'YEARLY' && (year - dtstart.year) % (rule.interval || 1) !== 0) return false;
  if (!listed(numbers('BYMONTH'), month, 12)) return false;
  if (!listed(numbers('BYMONTHDAY'), day, daysInMonth(year, month))) return false;
  if (!listed(numbers('BYYEARDAY'), yearDay, daysInYear(year))) return false;
  if (parts.BYWEEKNO) {
    // ical.js numbers weekdays from Sunday = 1; the default week start is Monday.
    const { week, weeks } = weekOf(year, month, day, rule.wkst ? rule.wkst - 1 : 1);
    if (!listed(numbers('BYWEEKNO'), week, weeks)) return false;
  }
  if (byDay) {
    const inYear = rule.freq === 'YEARLY' && !hasAny('BYMONTH', 'BYWEEKNO');
    const fits = byDay.some((entry) => {
      const match = /^([+-]?\d{1,2})?(SU|MO|TU|WE|TH|FR|SA)$/.exec(entry);
      if (!match || WEEKDAYS.indexOf(match[2]) !== weekday) return false;
      if (match[1] === undefined || (rule.freq !== 'MONTHLY' && rule.freq !== 'YEARLY')) return true;
      return inYear ? nth(yearDay, daysInYear(year), Number(match[1])) : nth(day, daysInMonth(year, month), Number(match[1]));
    });
    if (!fits) return false;
  }
  // Parts the rule leaves out are taken from DTSTART (RFC 5545 3.3.10, "Information, not contained in the rule").
  const dayGiven = hasAny('BYMONTHDAY', 'BYDAY', 'BYYEARDAY', 'BYWEEKNO');
  if (rule.freq === 'YEARLY' && !dayGiven) return (hasAny('BYMONTH') || month === dtstart.month) && day === dtstart.day;
  if (rule.freq === 'MONTHLY' && !dayGiven) return day === dtstart.day;
  if (rule.freq === 'WEEKLY' && !byDay) return weekday === new Date(utcDay(dtstart.year, dtstart.month, dtstart.day)).getUTCDay();
  return true;
}
