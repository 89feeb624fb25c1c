// A CalDAV calendar collection, found from a server URL or given directly, read and written over tsdav.
import { createObject, davRequest, deleteObject, propfind, serviceDiscovery, updateObject, type DAVResponse } from 'tsdav';
import { EXIT, ServerUnavailable, UserError, WriteRefused } from '../errors.ts';
import { answersARepeat, type Http } from '../http.ts';
import { canonicalHash } from '../render-copy.ts';
import { DiscoveryCache } from '../../db/discovery-cache.ts';
import type { CollectionChanges, CollectionMark, FetchedObject, ListedObject, SourceEndpoint, TargetEndpoint } from './endpoint.ts';

export interface DiscoveredCalendar {
  url: string;
  displayName: string;
  /** VEVENT, VTODO, ...: what it may hold; empty when the server does not say (any). */
  components: string[];
}

export interface CaldavSettings {
  /** 'source' or 'target': names the side and its config keys in messages. */
  side: string;
  url: string;
  username?: string;
  calendar?: string;
}

/** Objects per calendar-multiget request. */
const MULTIGET_CHUNK = 100;

/** Objects no multiget gave that are read one GET each; past this a server is taken as broken, not slow. */
const MAX_SINGLE_GETS = 20;

const ICS_CONTENT_TYPE = 'text/calendar; charset=utf-8';

/** One spelling per href, whatever percent-encoding a server chose. */
function canonicalPath(href: string, base: string): string {
  const decode = (segment: string) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      return segment;
    }
  };
  return new URL(href, base).pathname.split('/').map((s) => encodeURIComponent(decode(s))).join('/');
}

function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (value && typeof value === 'object') {
    const v = value as { _cdata?: unknown; _text?: unknown };
    return textOf(v._cdata ?? v._text);
  }
  return undefined;
}

function hrefOf(value: unknown): string | undefined {
  if (Array.isArray(value)) return hrefOf(value[0]);
  if (value && typeof value === 'object' && 'href' in value) return textOf((value as { href: unknown }).href);
  return undefined;
}

function isCalendar(response: DAVResponse): boolean {
  return Object.keys(response.props?.resourcetype ?? {}).includes('calendar');
}

/** The components a calendar takes (supported-calendar-component-set, RFC 4791 5.2.3); [] when it does not say, which means any. */
function componentsOf(response: DAVResponse): string[] {
  const comps = response.props?.supportedCalendarComponentSet?.comp;
  return (Array.isArray(comps) ? comps : comps ? [comps] : []).map((c: { _attributes?: { name?: string } }) => c._attributes?.name ?? '').filter(Boolean).sort();
}

/** The precondition a server names in a DAV:error body (RFC 4918 16), e.g. no-uid-conflict. */
function errorCondition(body: string): string | undefined {
  return /<(?:[\w-]+:)?error\b[^>]*>\s*<(?:[\w-]+:)?([\w-]+)/.exec(body)?.[1];
}

/** What a write's answer says: its status and the precondition named, if any. */
interface WriteOutcome {
  status: number;
  condition?: string;
  /** The href a DAV:error body names, e.g. the object holding a UID (RFC 4791 5.3.2.1). */
  conflictHref?: string;
}

/**
 * A write's answer. A 207 multistatus (Xandikos answers some writes so) says its outcome inside: the
 * first status that is not a success, else the first success.
 */
async function writeOutcome(response: Response): Promise<WriteOutcome> {
  const body = await response.text();
  const facts = { condition: errorCondition(body), conflictHref: /<(?:[\w-]+:)?href>\s*([^<\s]+)\s*</.exec(/<(?:[\w-]+:)?error\b[\s\S]*/.exec(body)?.[0] ?? '')?.[1] };
  if (response.status !== 207) return response.ok ? { status: response.status } : { status: response.status, ...facts };
  const inside = [...body.matchAll(/<(?:[\w-]+:)?status>\s*HTTP\/[\d.]+\s+(\d{3})/g)].map((match) => Number(match[1]));
  const failure = inside.find((status) => status < 200 || status > 299);
  return failure === undefined ? { status: inside[0] ?? 207 } : { status: failure, ...facts };
}

const succeeded = (outcome: WriteOutcome) => outcome.status >= 200 && outcome.status <= 299;

export class CaldavCalendar implements SourceEndpoint, TargetEndpoint {
  readonly identity: string;
  private forgetDiscovery = () => {};

  private constructor(
    readonly collectionUrl: string,
    readonly displayName: string,
    private readonly http: Http,
    private readonly side: string,
    private readonly username: string,
  ) {
    this.identity = collectionUrl;
  }

  /**
   * The configured calendar, as remembered from an earlier run with the same settings, or found:
   * a collection URL or path, or a display name found by discovery.
   */
  static async connect(settings: CaldavSettings, http: Http, cache?: DiscoveryCache): Promise<CaldavCalendar> {
    const key = DiscoveryCache.keyOf(settings.side, settings.url, settings.username, settings.calendar);
    const remembered = cache?.get(key);
    const calendar = remembered
      ? new CaldavCalendar(remembered.collectionUrl, remembered.displayName, http, settings.side, settings.username ?? '')
      : await CaldavCalendar.find(settings, http);
    if (cache && !remembered) cache.set(key, { collectionUrl: calendar.collectionUrl, displayName: calendar.displayName });
    // If it has gone since, the next run looks for it again.
    calendar.forgetDiscovery = () => cache?.forget(key);
    return calendar;
  }

  /** Every calendar collection of the account, found as a sync finds the configured one. */
  static calendarsOf(settings: CaldavSettings, http: Http): Promise<DiscoveredCalendar[]> {
    return CaldavCalendar.discover(settings.url, http, answerCheck(settings));
  }

  private static async find(settings: CaldavSettings, http: Http): Promise<CaldavCalendar> {
    const { side } = settings;
    const key = side.toUpperCase();
    const fetch = http.fetch;
    const check = answerCheck(settings);
    const props = { 'd:resourcetype': {}, 'd:displayname': {} };
    const describe = (url: string) => propfind({ url, props, depth: '0', fetch }).then(([r]) => check(r, url));

    const wanted = settings.calendar ?? '';
    if (wanted.includes('/')) {
      const url = new URL(wanted, settings.url).href;
      const response = await describe(url).catch((error: unknown) => {
        if (error instanceof UserError && error.exitCode === EXIT.unavailable && !(error instanceof ServerUnavailable)) {
          throw new UserError(`the ${side} calendar ${url} was not found; check ${key}_CALENDAR`, EXIT.unavailable);
        }
        throw error;
      });
      if (!isCalendar(response)) throw new UserError(`${url} is not a calendar collection; check ${key}_CALENDAR`, EXIT.config);
      return new CaldavCalendar(withSlash(url), textOf(response.props?.displayname) ?? '', http, side, settings.username ?? '');
    }

    const start = await describe(settings.url);
    if (wanted === '' && isCalendar(start)) {
      return new CaldavCalendar(withSlash(settings.url), textOf(start.props?.displayname) ?? '', http, side, settings.username ?? '');
    }
    const calendars = await CaldavCalendar.discover(settings.url, http, check);
    const matches = calendars.filter((c) => c.displayName === wanted);
    const found = calendars.map((c) => `"${c.displayName}" (${c.url})`).join(', ') || 'none';
    if (wanted === '') throw new UserError(`${key}_CALENDAR is not set; calendars found: ${found}`, EXIT.config);
    if (matches.length !== 1) {
      const what = matches.length === 0 ? 'no calendar is named' : `${matches.length} calendars are named`;
      throw new UserError(`${what} "${wanted}" on the ${side} server; calendars found: ${found}; set ${key}_CALENDAR to one of the names or URLs`, EXIT.config);
    }
    return new CaldavCalendar(matches[0].url, matches[0].displayName, http, side, settings.username ?? '');
  }

  /** Well-known, principal, calendar-home-set, then the calendars in the home (RFC 6764, RFC 4791). */
  private static async discover(
    serverUrl: string,
    http: Http,
    check: (response: DAVResponse | undefined, url: string) => DAVResponse,
  ): Promise<DiscoveredCalendar[]> {
    const fetch = http.fetch;
    const account = { serverUrl, accountType: 'caldav' as const, credentials: {} };
    const findHref = async (url: string, prop: string, name: string) => {
      const [response] = await propfind({ url, props: { [prop]: {} }, depth: '0', fetch });
      return hrefOf(check(response, url).props?.[name]);
    };
    let principalHref = await findHref(serverUrl, 'd:current-user-principal', 'currentUserPrincipal');
    if (!principalHref) {
      const root = await serviceDiscovery({ account, fetch });
      principalHref = await findHref(root, 'd:current-user-principal', 'currentUserPrincipal');
    }
    if (!principalHref) throw new UserError(`the server ${serverUrl} does not say which principal the login belongs to; give the calendar's URL instead`, EXIT.config);
    const principalUrl = new URL(principalHref, serverUrl).href;
    const homeHref = await findHref(principalUrl, 'c:calendar-home-set', 'calendarHomeSet');
    if (!homeHref) throw new UserError(`the server ${serverUrl} has no calendar-home-set for this login; give the calendar's URL instead`, EXIT.config);
    const homeUrl = new URL(homeHref, principalUrl).href;
    const listing = await propfind({ url: homeUrl, props: { 'd:resourcetype': {}, 'd:displayname': {}, 'c:supported-calendar-component-set': {} }, depth: '1', fetch });
    if (listing.length === 1 && !listing[0].ok) check(listing[0], homeUrl);
    return listing
      .filter(isCalendar)
      .map((r) => ({ url: withSlash(new URL(r.href ?? '', homeUrl).href), displayName: textOf(r.props?.displayname) ?? '', components: componentsOf(r) }));
  }

  hrefFor(fileName: string): string {
    return canonicalPath(encodeURIComponent(fileName), this.collectionUrl);
  }

  private urlOf(href: string): string {
    return new URL(href, this.collectionUrl).href;
  }

  /** A REPORT; tsdav's own query helpers throw away the whole answer when one href is missing. */
  private report(body: string): Promise<DAVResponse[]> {
    return davRequest({
      url: this.collectionUrl,
      init: { method: 'REPORT', headers: { depth: '1', 'content-type': 'application/xml; charset=utf-8' }, body },
      convertIncoming: false,
      fetch: this.http.fetch,
    });
  }

  /** A REPORT answered with anything but a multistatus failed as a whole. */
  private failed(responses: DAVResponse[], what: string): void {
    const [first] = responses;
    const multistatus = typeof first?.raw === 'object' && first.raw !== null && 'multistatus' in first.raw;
    if (responses.length === 1 && !multistatus) {
      throw new UserError(`${what} on the ${this.side} calendar ${this.collectionUrl} failed with HTTP ${responses[0].status}; nothing was written`, EXIT.unavailable);
    }
  }

  /** Every event object's href and ETag (no href filter: Kerio's objects end in .eml). */
  private async listObjects(): Promise<ListedObject[]> {
    const responses = await this.report(
      `<?xml version="1.0" encoding="utf-8"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">` +
        `<d:prop><d:getetag/></d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"/></c:comp-filter></c:filter></c:calendar-query>`,
    );
    this.failed(responses, 'listing the objects');
    const collectionPath = canonicalPath('', this.collectionUrl);
    return responses
      .filter((r) => r.href !== undefined && r.ok && canonicalPath(r.href, this.collectionUrl) !== collectionPath)
      .map((r) => ({ href: canonicalPath(r.href!, this.collectionUrl), etag: textOf(r.props?.getetag) ?? null }));
  }

  /**
   * The objects at `hrefs`, by calendar-multiget. A server may silently answer fewer than it was asked
   * for (Zoho stops at 1,000): the rest is asked again in chunks no larger than it answered, and what
   * no multigets give is read by one GET each, at most MAX_SINGLE_GETS of them. Only an object
   * answered 404 is left out; anything else missing is an error (exit 5): a partial answer is never taken.
   */
  async fetchObjects(hrefs: string[], fetched?: (done: number) => void): Promise<FetchedObject[]> {
    const objects: FetchedObject[] = [];
    const unanswered: string[] = [];
    let left = hrefs;
    let size = MULTIGET_CHUNK;
    while (left.length > 0) {
      const chunk = left.slice(0, size);
      left = left.slice(size);
      const answer = await this.multiget(chunk);
      objects.push(...answer.objects);
      const missing = chunk.filter((href) => !answer.answered.has(href));
      if (missing.length === chunk.length) unanswered.push(...missing);
      else if (missing.length > 0) {
        left = [...left, ...missing];
        size = chunk.length - missing.length;
      }
      fetched?.(hrefs.length - left.length - unanswered.length);
    }
    if (unanswered.length > MAX_SINGLE_GETS) {
      throw new UserError(
        `the ${this.side} server left ${unanswered.length} of ${hrefs.length} objects out of its calendar-multiget answers, also when asked again (first: ${unanswered[0]}); ` +
          `more than ${MAX_SINGLE_GETS} to read one by one, and a partial answer is never taken for the calendar`,
        EXIT.unavailable,
      );
    }
    for (const [index, href] of unanswered.entries()) {
      const object = await this.getOne(href);
      if (object) objects.push(object);
      fetched?.(hrefs.length - unanswered.length + index + 1);
    }
    return objects;
  }

  /** One calendar-multiget: the objects in the answer, and every href it said anything of (404s too). */
  private async multiget(hrefs: string[]): Promise<{ objects: FetchedObject[]; answered: Set<string> }> {
    const responses = await this.report(
      `<?xml version="1.0" encoding="utf-8"?><c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">` +
        `<d:prop><d:getetag/><c:calendar-data/></d:prop>${hrefs.map((href) => `<d:href>${escapeXml(href)}</d:href>`).join('')}</c:calendar-multiget>`,
    );
    this.failed(responses, 'reading objects');
    const objects: FetchedObject[] = [];
    const answered = new Set<string>();
    for (const response of responses) {
      if (response.href === undefined) continue;
      const href = canonicalPath(response.href, this.collectionUrl);
      answered.add(href);
      const data = textOf(response.props?.calendarData);
      if (response.status === 404 || data === undefined) continue; // deleted since the listing
      objects.push({ href, etag: textOf(response.props?.getetag) ?? null, data });
    }
    return { objects, answered };
  }

  /** An object no multiget gave, by GET: null when it is gone (404). */
  private async getOne(href: string): Promise<FetchedObject | null> {
    const response = await this.http.fetch(this.urlOf(href), { method: 'GET' });
    if (response.status === 404) return null;
    if (!response.ok) {
      throw new UserError(
        `the ${this.side} server left ${href} out of its calendar-multiget answers and answered HTTP ${response.status} to a GET of it; a partial answer is never taken for the calendar`,
        EXIT.unavailable,
      );
    }
    return { href, etag: strongEtag(response), data: await response.text() };
  }

  /**
   * RFC 6578 sync-collection from `token` ('' for everything). null when the server has no such
   * report or refuses the token (400, 403, 409, 418, 500, a 507 truncation or limit): the caller then lists all.
   */
  private async syncCollection(token: string): Promise<{ changed: ListedObject[]; removed: string[]; syncToken: string | null } | null> {
    const responses = await this.report(
      `<?xml version="1.0" encoding="utf-8"?><d:sync-collection xmlns:d="DAV:"><d:sync-token>${escapeXml(token)}</d:sync-token>` +
        `<d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`,
    );
    // 403 here is usually the valid-sync-token precondition (Radicale), so only 401 is a login failure.
    if (responses[0]?.status === 401) this.refuseLogin(responses[0]);
    const raw = responses[0]?.raw as { multistatus?: { syncToken?: unknown } } | undefined;
    if (typeof raw !== 'object' || raw === null || !raw.multistatus) return null;
    const collectionPath = canonicalPath('', this.collectionUrl);
    const changed: ListedObject[] = [];
    const removed: string[] = [];
    for (const response of responses) {
      if (response.href === undefined) continue;
      const href = canonicalPath(response.href, this.collectionUrl);
      if (href === collectionPath) {
        if (!response.ok) return null; // 507: the server truncated the answer
        continue;
      }
      if (response.status === 404) removed.push(href);
      else if (response.ok) changed.push({ href, etag: textOf(response.props?.getetag) ?? null });
      else return null;
    }
    // tsdav turns numeric-looking text into numbers; such a token may no longer be the server's.
    const syncToken = typeof raw.multistatus.syncToken === 'string' ? raw.multistatus.syncToken : null;
    return { changed, removed, syncToken };
  }

  private async ctag(): Promise<string | null> {
    const [response] = await propfind({ url: this.collectionUrl, props: { 'cs:getctag': {} }, depth: '0', fetch: this.http.fetch });
    this.refuseLogin(response);
    this.refuseMissing(response);
    return textOf(response?.props?.getctag) ?? null;
  }

  /**
   * One change check: a sync-collection delta where the server has it, else a getctag compared,
   * else a listing of ETags. What the server lacked last time is not asked for again.
   */
  async changesSince(previous: CollectionMark | null): Promise<CollectionChanges> {
    let mark = previous;
    if (mark?.syncToken) {
      const delta = await this.syncCollection(mark.syncToken);
      if (delta) return { kind: 'delta', changed: delta.changed, removed: delta.removed, mark: { syncToken: delta.syncToken, ctag: null } };
      mark = null; // the token was refused: start over, as on a first run
    }
    if (mark === null) {
      const everything = await this.syncCollection('');
      if (everything) return { kind: 'full', objects: everything.changed, mark: { syncToken: everything.syncToken, ctag: null } };
    }
    // The getctag is read before the listing, so a change made during the listing is seen next run.
    const ctag = mark === null || mark.ctag !== null ? await this.ctag() : null;
    if (ctag !== null && ctag === mark?.ctag) return { kind: 'unchanged' };
    return { kind: 'full', objects: await this.listObjects(), mark: { syncToken: null, ctag } };
  }

  private refuseLogin(response: DAVResponse | undefined): void {
    refuseLogin(response, this.side, this.collectionUrl, this.username);
  }

  private refuseMissing(response: DAVResponse | undefined): void {
    if (response?.status === 404) {
      this.forgetDiscovery();
      throw new UserError(`the ${this.side} calendar ${this.collectionUrl} no longer exists; check ${this.side.toUpperCase()}_CALENDAR`, EXIT.unavailable);
    }
  }

  async create(href: string, ics: string): Promise<string | null> {
    const response = await createObject({
      url: this.urlOf(href),
      data: ics,
      headers: { 'content-type': ICS_CONTENT_TYPE, 'If-None-Match': '*' },
      fetch: this.http.fetch,
    });
    return this.afterWrite(href, ics, response, 'create');
  }

  async update(href: string, ics: string, etag: string): Promise<string | null> {
    const response = await updateObject({
      url: this.urlOf(href),
      data: ics,
      etag,
      headers: { 'content-type': ICS_CONTENT_TYPE, 'If-Match': etag },
      fetch: this.http.fetch,
    });
    return this.afterWrite(href, ics, response, 'update');
  }

  async remove(href: string, etag: string): Promise<void> {
    const response = await deleteObject({ url: this.urlOf(href), etag, headers: { 'If-Match': etag }, fetch: this.http.fetch });
    const outcome = await writeOutcome(response);
    // A DELETE sent again because the answer to the first was lost finds its object gone: done.
    if (outcome.status === 404 && answersARepeat(response)) return;
    if (!succeeded(outcome)) throw new WriteRefused(describeRefusal(this.side, outcome), outcome.status);
  }

  private async afterWrite(href: string, ics: string, response: Response, write: 'create' | 'update'): Promise<string | null> {
    const outcome = await writeOutcome(response);
    // A PUT sent again because the answer to the first was lost meets its own first attempt: 412.
    // If what is stored is what was sent, the write is done; else it is a real conflict.
    if (outcome.status === 412 && answersARepeat(response)) {
      const stored = await this.http.fetch(this.urlOf(href), { method: 'GET' });
      const data = stored.ok ? await stored.text() : '';
      if (data !== '' && canonicalHash(data) === canonicalHash(ics)) return this.storedEtag(href, stored);
    }
    if (!succeeded(outcome)) {
      const collection = canonicalPath('', this.collectionUrl);
      const heldElsewhere = outcome.conflictHref !== undefined && !canonicalPath(outcome.conflictHref, this.collectionUrl).startsWith(collection);
      const message = write === 'create' ? describeCreateRefusal(this.side, outcome, ics, heldElsewhere) : describeRefusal(this.side, outcome);
      throw new WriteRefused(message, outcome.status);
    }
    return this.storedEtag(href, response);
  }

  /**
   * The ETag of an answer, or when it has none, a weak one (W/, which If-Match never matches) or an
   * unquoted one (not the form listings give), the stored one: the next conditional write needs the true one.
   */
  private async storedEtag(href: string, response: Response): Promise<string | null> {
    const etag = strongEtag(response);
    if (etag) return etag;
    const [stored] = await propfind({ url: this.urlOf(href), props: { 'd:getetag': {} }, depth: '0', fetch: this.http.fetch });
    return textOf(stored?.props?.getetag) ?? null;
  }
}

/** An answer's ETag when it is strong and quoted, as listings give it; a weak one never matches If-Match. */
function strongEtag(response: Response): string | null {
  const etag = response.headers.get('etag');
  return etag && /^"[^"]*"$/.test(etag) ? etag : null;
}

/** A 401 or 403 from a login is one line naming the server, the account and the keys to check. */
function refuseLogin(response: DAVResponse | undefined, side: string, url: string, username: string): void {
  if (response?.status === 401 || response?.status === 403) {
    const key = side.toUpperCase();
    throw new UserError(`the ${side} server ${new URL(url).origin} refused the login of user "${username}" (HTTP ${response.status}); check ${key}_USERNAME and ${key}_PASSWORD`, EXIT.auth);
  }
}

/** An answer that is not a success ends the run: a refused login (code 4), anything else (code 5). */
function answerCheck(settings: CaldavSettings): (response: DAVResponse | undefined, url: string) => DAVResponse {
  const { side } = settings;
  return (response, url) => {
    refuseLogin(response, side, url, settings.username ?? '');
    if (!response?.ok) {
      throw new UserError(`the ${side} server answered HTTP ${response?.status ?? '?'} for ${url}; check ${side.toUpperCase()}_URL`, EXIT.unavailable);
    }
    return response;
  };
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

function describeRefusal(side: string, { status, condition, conflictHref }: WriteOutcome): string {
  const detail = condition ? ` (${condition})` : '';
  if (condition === 'no-uid-conflict') return `the ${side} refused the write: its UID is already used by ${conflictHref ?? 'another object'} (HTTP ${status}${detail})`;
  if (status === 412) return `the object changed on the ${side} since it was read (HTTP 412${detail}); it is retried next run`;
  if (status === 409) return `the ${side} refused the write as conflicting with what it holds (HTTP 409${detail})`;
  if (status === 403) return `the ${side} does not allow this write (HTTP 403${detail}); check the account's rights on the calendar`;
  if (status === 400 || condition === 'valid-calendar-data') return `the ${side} rejected the object as invalid (HTTP ${status}${detail})`;
  return `the ${side} answered HTTP ${status}${detail}`;
}

/**
 * A refused create (If-None-Match: *). no-uid-conflict is about this calendar (RFC 4791 5.3.2.1),
 * unless it names an object in another; servers that allow a UID once per account (iCloud, Cyrus)
 * refuse a copy whose UID another calendar holds with unique-scheduling-object-resource, with
 * no-uid-conflict naming the other object, or with a bare 403 or 412. Derived UIDs never meet one
 * unless a copy was moved.
 */
function describeCreateRefusal(side: string, outcome: WriteOutcome, ics: string, heldElsewhere: boolean): string {
  const { status, condition, conflictHref } = outcome;
  const accountWide = condition === 'unique-scheduling-object-resource' || (condition === 'no-uid-conflict' && heldElsewhere);
  const unexplained = condition === undefined && (status === 403 || status === 412);
  if (!accountWide && !unexplained) return describeRefusal(side, outcome);
  const uid = /^UID:(.*)$/m.exec(ics)?.[1]?.trim() ?? '?';
  const held = accountWide ? `an event with its UID ${uid} already exists${conflictHref ? ` at ${conflictHref}` : ''}` : `an event with its UID ${uid} may exist`;
  const otherwise = accountWide ? '' : status === 412 ? ', or something was stored at its href meanwhile' : ', or the account may not write to this calendar (check its rights)';
  return (
    `the ${side} refused to create the copy (HTTP ${status}${condition ? `, ${condition}` : ''}): ${held} in another calendar of this account ` +
    `(iCloud and Cyrus allow a UID once per account)${otherwise}; a copy moved to another calendar keeps its UID: delete that event or move it back, then run again`
  );
}
