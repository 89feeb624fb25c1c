// A read-only source: a local .ics file, or an http(s)/webcal feed. Each UID becomes one source object.
import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { SourceObject } from '../domain.ts';
import { sha256 } from '../sha256.ts';
import { EXIT, UserError } from '../errors.ts';
import type { Http } from '../http.ts';
import type { CollectionChanges, CollectionMark, FetchedObject, SourceEndpoint } from './endpoint.ts';
import { calendarLayout, uidInText } from '../parse-calendar.ts';

/** webcal:// is https:// by convention. */
export function feedUrl(location: string): string {
  return location.replace(/^webcals?:\/\//i, 'https://');
}

/**
 * Splits a calendar file into one object per UID, each with the file's VTIMEZONEs, so that a change
 * to one event changes only that object's ETag. The split is textual: each event reaches expansion
 * exactly as written, to be parsed, mended or reported there. Text outside every VCALENDAR becomes
 * an object of its own, named by its line, so that expansion reports it instead of it vanishing.
 */
export function splitByUid(data: string, label: string): SourceObject[] {
  const text = data.replace(/^\uFEFF/, '');
  if (!/^BEGIN:VCALENDAR\s*$/im.test(text)) {
    throw new UserError(`the source ${label} is not an iCalendar file (no BEGIN:VCALENDAR); nothing was written`, EXIT.unavailable);
  }
  const { blocks, stray } = calendarLayout(text);
  const timezones = blocks.filter((block) => block.name === 'VTIMEZONE' && !block.problem).map((block) => block.text);
  const groups = new Map<string, string[]>();
  blocks
    .filter((block) => block.name === 'VEVENT')
    .forEach((block, index) => {
      // An event without a UID still reaches expansion, which reports it.
      const key = uidInText(block.text) ?? `#${index + 1}`;
      const group = groups.get(key);
      if (group) group.push(block.text);
      else groups.set(key, [block.text]);
    });
  const objects = [...groups].map(([uid, events]) => {
    const text = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//caldav-instance-sync//split//EN', ...timezones, ...events, 'END:VCALENDAR', ''].join('\r\n');
    return { href: `${label}#${encodeURIComponent(uid)}`, etag: sha256(text).slice(0, 32), data: text };
  });
  const strayObjects = stray.map(({ line, text: strayText }) => ({ href: `${label}#line-${line}`, etag: sha256(strayText).slice(0, 32), data: strayText }));
  return [...objects, ...strayObjects];
}

/** Keeps the objects of the last reading, so that `fetchObjects` needs no second reading. */
abstract class WholeCalendar implements SourceEndpoint {
  abstract readonly identity: string;
  private objects = new Map<string, SourceObject>();

  /** The calendar's text and a mark of its version, or 'unchanged' when it still has `mark`. */
  protected abstract read(mark: CollectionMark | null): Promise<{ text: string; version: string } | 'unchanged'>;
  protected abstract readonly label: string;

  async changesSince(mark: CollectionMark | null): Promise<CollectionChanges> {
    const reading = await this.read(mark);
    if (reading === 'unchanged') return { kind: 'unchanged' };
    const objects = splitByUid(reading.text, this.label);
    this.objects = new Map(objects.map((object) => [object.href, object]));
    return { kind: 'full', objects: objects.map(({ href, etag }) => ({ href, etag })), mark: { syncToken: null, ctag: reading.version } };
  }

  async fetchObjects(hrefs: string[]): Promise<FetchedObject[]> {
    return hrefs.map((href) => this.objects.get(href)).filter((object): object is SourceObject => object !== undefined);
  }
}

export class IcsFile extends WholeCalendar {
  readonly identity: string;
  protected readonly label: string;

  constructor(private readonly path: string) {
    super();
    this.identity = `file:${resolve(path)}`;
    this.label = basename(path);
  }

  protected async read(mark: CollectionMark | null): Promise<{ text: string; version: string } | 'unchanged'> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      throw new UserError(`cannot read the source file ${this.path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}; check SOURCE_URL`, EXIT.unavailable);
    }
    const version = `sha256:${sha256(text)}`;
    return mark?.ctag === version ? 'unchanged' : { text, version };
  }
}

export class IcsFeed extends WholeCalendar {
  readonly identity: string;
  protected readonly label: string;

  constructor(
    private readonly url: string,
    private readonly http: Http,
  ) {
    super();
    this.identity = url;
    this.label = new URL(url).pathname;
  }

  /** A conditional GET: a feed that has not changed costs one request and no body. */
  protected async read(mark: CollectionMark | null): Promise<{ text: string; version: string } | 'unchanged'> {
    const headers: Record<string, string> = { accept: 'text/calendar' };
    if (mark?.ctag?.startsWith('etag:')) headers['if-none-match'] = mark.ctag.slice('etag:'.length);
    const response = await this.http.fetch(this.url, { headers });
    if (response.status === 304) return 'unchanged';
    if (response.status === 401 || response.status === 403) {
      throw new UserError(`the source feed ${new URL(this.url).origin} refused access (HTTP ${response.status}); check SOURCE_USERNAME and SOURCE_PASSWORD`, EXIT.auth);
    }
    if (!response.ok) throw new UserError(`the source feed ${this.url} answered HTTP ${response.status}; check SOURCE_URL`, EXIT.unavailable);
    const text = await response.text();
    const etag = response.headers.get('etag');
    const version = etag ? `etag:${etag}` : `sha256:${sha256(text)}`;
    return mark?.ctag === version ? 'unchanged' : { text, version };
  }
}
