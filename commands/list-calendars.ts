// `calendars`: what each side's settings name; for a CalDAV account every calendar, with its URL and
// what it holds, the one the settings select marked.
import { loadConfig, type SyncFlags } from '../lib/config.ts';
import type { DiscoveredCalendar } from '../lib/endpoints/caldav-calendar.ts';
import { listSide, type Side, type SideListing } from '../lib/endpoints/list-calendars.ts';
import { newRequestStats } from '../lib/http.ts';

/** A calendar that takes no VEVENT cannot be a side of a sync; one that names nothing takes anything. */
export const holdsEvents = (calendar: DiscoveredCalendar) => calendar.components.length === 0 || calendar.components.includes('VEVENT');

function componentsText(calendar: DiscoveredCalendar): string {
  if (calendar.components.length === 0) return 'any component (the server does not say)';
  return holdsEvents(calendar) ? calendar.components.join(', ') : `${calendar.components.join(', ')} (no events: cannot be synced)`;
}

/** One aligned row per calendar after its label (a mark or a number): name, URL, what it holds. */
export function calendarRows(calendars: DiscoveredCalendar[], labels: string[]): string[] {
  const names = calendars.map((calendar) => calendar.displayName || '(no name)');
  const nameWidth = Math.max(...names.map((name) => name.length));
  const urlWidth = Math.max(...calendars.map((calendar) => calendar.url.length));
  return calendars.map((calendar, i) => `  ${labels[i]} ${names[i].padEnd(nameWidth)}  ${calendar.url.padEnd(urlWidth)}  ${componentsText(calendar)}`);
}

/** The account and whose login listed it, e.g. `the calendars of "ana" at https://...`. */
export function accountText(listing: { url: string; username: string }): string {
  return listing.username === '' ? `the calendars at ${listing.url}` : `the calendars of "${listing.username}" at ${listing.url}`;
}

function sideText(side: Side, listing: SideListing, wanted: string): string[] {
  if (listing.kind === 'folder') return [`${side}: the folder ${listing.url}, one .ics file per copy${listing.exists ? '' : ' (not there yet: the first sync makes it)'}`];
  if (listing.kind !== 'caldav') return [`${side}: the .ics ${listing.kind} ${listing.url} (read whole: there is no calendar to pick)`];
  const key = `${side.toUpperCase()}_CALENDAR`;
  const selected = listing.calendars.filter((calendar) => calendar.selected).length;
  const head = `${side}: ${accountText(listing)}`;
  if (listing.calendars.length === 0) return [head, '  none: create a calendar on the server first'];
  const rows = calendarRows(listing.calendars, listing.calendars.map((calendar) => (calendar.selected ? '*' : ' ')));
  if (selected === 1) return [`${head} (* marks the one ${key} selects)`, ...rows];
  const problem =
    wanted === ''
      ? `${key} is not set: set it to one of the names or URLs above`
      : selected === 0
        ? `${key} "${wanted}" is none of these: set it to one of the names or URLs above`
        : `${key} "${wanted}" names ${selected} of these: set it to the URL of the one to sync`;
  return [head, ...rows, `  ${problem}`];
}

/** The listing of both sides as text; a login refused or a server out of reach ends it as it ends a sync. */
export async function listCalendars(flags: SyncFlags, warn: (line: string) => void): Promise<string> {
  const config = loadConfig(flags, process.env, Date.now(), warn);
  const stats = newRequestStats();
  const lines: string[] = [];
  for (const side of ['source', 'target'] as const) {
    const settings = config[side];
    lines.push(...sideText(side, await listSide(side, settings, stats), settings.calendar ?? ''));
  }
  return lines.join('\n');
}
