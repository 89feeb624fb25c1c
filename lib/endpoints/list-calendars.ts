// What a side's settings name, without opening it for a sync: every calendar of a CalDAV account
// (which also proves the login), or the one .ics file, feed or folder.
import { existsSync } from 'node:fs';
import type { EndpointSettings } from '../config.ts';
import { createHttp, type RequestStats } from '../http.ts';
import { CaldavCalendar, type DiscoveredCalendar } from './caldav-calendar.ts';
import { endpointKind } from './open-endpoints.ts';

export type Side = 'source' | 'target';

export interface ListedCalendar extends DiscoveredCalendar {
  /** The settings' *_CALENDAR (or, when it is empty, the URL itself) names this one. */
  selected: boolean;
}

export type SideListing =
  | { kind: 'caldav'; url: string; username: string; calendars: ListedCalendar[] }
  | { kind: 'feed' | 'file'; url: string }
  | { kind: 'folder'; url: string; exists: boolean };

const withSlash = (url: string) => (url.endsWith('/') ? url : `${url}/`);

function selects(settings: EndpointSettings, calendar: DiscoveredCalendar): boolean {
  const wanted = settings.calendar ?? '';
  if (wanted.includes('/')) return withSlash(new URL(wanted, settings.url).href) === calendar.url;
  if (wanted === '') return withSlash(settings.url) === calendar.url;
  return calendar.displayName === wanted;
}

/** Sorted by name, then URL, so the same account always lists the same way. */
export async function listSide(side: Side, settings: EndpointSettings, stats: RequestStats): Promise<SideListing> {
  const kind = endpointKind(side, settings.url);
  if (kind === 'folder') return { kind, url: settings.url, exists: existsSync(settings.url) };
  if (kind !== 'caldav') return { kind, url: settings.url };
  const http = createHttp(settings.url, settings, stats, side);
  const found = await CaldavCalendar.calendarsOf({ side, url: settings.url, username: settings.username, calendar: settings.calendar }, http);
  const calendars = found
    .map((calendar) => ({ ...calendar, selected: selects(settings, calendar) }))
    .sort((a, b) => (a.displayName === b.displayName ? (a.url < b.url ? -1 : 1) : a.displayName < b.displayName ? -1 : 1));
  return { kind, url: settings.url, username: settings.username ?? '', calendars };
}
