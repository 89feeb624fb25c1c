// A read-only source: a local .ics file, or an http(s)/webcal feed. Each UID becomes one source object.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { SourceObject } from '../domain.ts';
import { sha256 } from '../sha256.ts';
import { EXIT, UserError } from '../errors.ts';
import type { Http } from '../http.ts';
import type { SourceEndpoint } from './endpoint.ts';
import { componentBlocks, uidInText } from '../parse-calendar.ts';

/** webcal:// is https:// by convention. */
export function feedUrl(location: string): string {
  return location.replace(/^webcals?:\/\//i, 'https://');
}

/**
 * Splits a calendar file into one object per UID, each with the file's VTIMEZONEs, so that a change
 * to one event changes only that object's ETag. The split is textual: each event reaches expansion
 * exactly as written, to be parsed, mended or reported there.
 */
export function splitByUid(data: string, label: string): SourceObject[] {
  const text = data.replace(/^\uFEFF/, '');
  const blocks = componentBlocks(text);
  if (!/^BEGIN:VCALENDAR\s*$/im.test(text)) {
    throw new UserError(`the source ${label} is not an iCalendar file (no BEGIN:VCALENDAR); nothing was written`, EXIT.unavailable);
  }
  const timezones = blocks.filter((block) => block.name === 'VTIMEZONE').map((block) => block.text);
  const groups = new Map<string, string[]>();
  blocks
    .filter((block) => block.name === 'VEVENT')
    .forEach((block, index) => {
      // An event without a UID still reaches expansion, which reports it.
      const key = uidInText(block.text) ?? `#${index + 1}`;
      groups.set(key, [...(groups.get(key) ?? []), block.text]);
    });
  return [...groups].map(([uid, events]) => {
    const text = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//caldav-instance-sync//split//EN', ...timezones, ...events, 'END:VCALENDAR', ''].join('\r\n');
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
