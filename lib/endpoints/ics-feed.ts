// A read-only source: a local .ics file, or an http(s)/webcal feed. Each UID becomes one source object.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import ICAL from 'ical.js';
import type { SourceObject } from '../domain.ts';
import { sha256 } from '../sha256.ts';
import { EXIT, UserError } from '../errors.ts';
import type { Http } from '../http.ts';
import type { SourceEndpoint } from './endpoint.ts';
import { parseCalendar, type ParsedCalendar } from '../parse-calendar.ts';

/** webcal:// is https:// by convention. */
export function feedUrl(location: string): string {
  return location.replace(/^webcals?:\/\//i, 'https://');
}

/**
 * Splits a calendar into one object per UID, each with the VTIMEZONEs of the file,
 * so that a change to one event changes only that object's ETag.
 */
export function splitByUid(data: string, label: string): SourceObject[] {
  let parsed: ParsedCalendar;
  try {
    parsed = parseCalendar(data);
  } catch (error) {
    throw new UserError(`the source ${label} cannot be parsed as iCalendar (${(error as Error).message}); nothing was written`, EXIT.unavailable);
  }
  const timezones = parsed.calendars.flatMap((c) => c.getAllSubcomponents('vtimezone'));
  const groups = new Map<string, { vevents: ICAL.Component[]; broken: string[] }>();
  const group = (key: string) => groups.get(key) ?? groups.set(key, { vevents: [], broken: [] }).get(key)!;
  // Events without a UID, or that cannot be parsed, still reach expansion, which reports them.
  parsed.calendars.flatMap((c) => c.getAllSubcomponents('vevent')).forEach((vevent, index) => {
    const uid = vevent.getFirstPropertyValue('uid');
    group(typeof uid === 'string' && uid !== '' ? uid : `#${index + 1}`).vevents.push(vevent);
  });
  parsed.broken.forEach((event, index) => group(event.uid ?? `#broken-${index + 1}`).broken.push(event.text));
  return [...groups].map(([uid, { vevents, broken }]) => {
    const calendar = new ICAL.Component('vcalendar');
    calendar.addPropertyWithValue('version', '2.0');
    calendar.addPropertyWithValue('prodid', '-//caldav-instance-sync//split//EN');
    for (const component of [...timezones, ...vevents]) calendar.addSubcomponent(component);
    const text = calendar.toString().replace(/END:VCALENDAR$/, [...broken, 'END:VCALENDAR'].join('\r\n'));
    return { href: `${label}#${encodeURIComponent(uid)}`, etag: sha256(text).slice(0, 32), data: text };
  });
}

export class IcsFile implements SourceEndpoint {
  readonly identity: string;
  constructor(private readonly path: string) {
    this.identity = `file:${resolve(path)}`;
  }

  async listSourceObjects(): Promise<SourceObject[]> {
    let data: string;
    try {
      data = await readFile(this.path, 'utf8');
    } catch (error) {
      throw new UserError(`cannot read the source file ${this.path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}; check SOURCE_URL`, EXIT.unavailable);
    }
    return splitByUid(data, this.path.split('/').pop() ?? this.path);
  }
}

export class IcsFeed implements SourceEndpoint {
  readonly identity: string;
  constructor(
    private readonly url: string,
    private readonly http: Http,
  ) {
    this.identity = url;
  }

  async listSourceObjects(): Promise<SourceObject[]> {
    const response = await this.http.fetch(this.url, { headers: { accept: 'text/calendar' } });
    if (response.status === 401 || response.status === 403) {
      throw new UserError(`the source feed ${new URL(this.url).origin} refused access (HTTP ${response.status}); check SOURCE_USERNAME and SOURCE_PASSWORD`, EXIT.auth);
    }
    if (!response.ok) throw new UserError(`the source feed ${this.url} answered HTTP ${response.status}; check SOURCE_URL`, EXIT.unavailable);
    return splitByUid(await response.text(), new URL(this.url).pathname);
  }
}
