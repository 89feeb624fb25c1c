// What the sync needs from each side, whatever the side is (CalDAV, an .ics file or feed, a folder).
import type { SourceObject } from '../domain.ts';

export interface SourceEndpoint {
  /** A stable identity of the calendar (no credentials), part of the pair's key. */
  readonly identity: string;
  /** Every event object of the calendar; throws when the listing fails, never returns a partial list. */
  listSourceObjects(): Promise<SourceObject[]>;
}

/** An object of the target as listed: its href and ETag; data only when asked for. */
export interface ListedObject {
  href: string;
  etag: string | null;
}

export interface TargetEndpoint {
  readonly identity: string;
  /** The href a copy with this file name has (the form listings use). */
  hrefFor(fileName: string): string;
  listObjects(): Promise<ListedObject[]>;
  /** The data of these objects; objects that vanished meanwhile are left out. */
  fetchObjects(hrefs: string[]): Promise<Array<ListedObject & { data: string }>>;
  /** Writes only if nothing is at href yet; returns the new ETag. */
  create(href: string, ics: string): Promise<string | null>;
  /** Writes only if the object still has `etag`; returns the new ETag. */
  update(href: string, ics: string, etag: string): Promise<string | null>;
  /** Deletes only if the object still has `etag`. */
  remove(href: string, etag: string): Promise<void>;
}
