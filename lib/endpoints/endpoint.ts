// What the sync needs from each side, whatever the side is (CalDAV, an .ics file or feed, a folder).

/** An object as listed: its href and ETag. */
export interface ListedObject {
  href: string;
  etag: string | null;
}

export interface FetchedObject extends ListedObject {
  data: string;
}

/** What a side knew of its calendar after the last run: an RFC 6578 sync token, a getctag. */
export interface CollectionMark {
  syncToken: string | null;
  ctag: string | null;
}

/** What changed since a mark: nothing, everything (a full listing), or a delta. */
export type CollectionChanges =
  | { kind: 'unchanged' }
  | { kind: 'full'; objects: ListedObject[]; mark: CollectionMark }
  | { kind: 'delta'; changed: ListedObject[]; removed: string[]; mark: CollectionMark };

interface Collection {
  /** A stable identity of the calendar (no credentials), part of the pair's key. */
  readonly identity: string;
  /** Every change since `mark` (a full listing when there is none, or it is no longer valid). */
  changesSince(mark: CollectionMark | null): Promise<CollectionChanges>;
  /**
   * The data of these objects; objects deleted meanwhile are left out. Throws when the server
   * still leaves others out after being asked again: a partial answer is never taken for the
   * calendar. `fetched` is told how many of `hrefs` are done, as they come (the progress bar).
   */
  fetchObjects(hrefs: string[], fetched?: (done: number) => void): Promise<FetchedObject[]>;
}

export type SourceEndpoint = Collection;

export interface TargetEndpoint extends Collection {
  /** The href a copy with this file name has (the form listings use). */
  hrefFor(fileName: string): string;
  /** Writes only if nothing is at href yet; returns the new ETag. */
  create(href: string, ics: string): Promise<string | null>;
  /** Writes only if the object still has `etag`; returns the new ETag. */
  update(href: string, ics: string, etag: string): Promise<string | null>;
  /** Deletes only if the object still has `etag`. */
  remove(href: string, etag: string): Promise<void>;
}

/** A source that can be written: TARGET_DELETIONS=propagate deletes occurrences in it (and undo puts them back). */
export interface WritableSource extends SourceEndpoint {
  /** Writes only if nothing is at href yet; returns the new ETag. */
  create(href: string, ics: string): Promise<string | null>;
  /** Writes only if the object still has `etag`; returns the new ETag. */
  update(href: string, ics: string, etag: string): Promise<string | null>;
  /** Deletes only if the object still has `etag`. */
  remove(href: string, etag: string): Promise<void>;
}

export function isWritable(source: SourceEndpoint): source is WritableSource {
  return 'create' in source && 'update' in source && 'remove' in source;
}
