// Each side as the planner sees it, brought up to date from what changed since the last run: only
// new or changed objects are downloaded; the rest comes from the state database.
import type { SyncState, CachedObject } from '../db/sync-state.ts';
import type { Mapping, SourceObject, TargetObject } from './domain.ts';
import type { CollectionChanges, CollectionMark, ListedObject, SourceEndpoint, TargetEndpoint } from './endpoints/endpoint.ts';
import { readTargetObject } from './target-object-facts.ts';

type Side = 'source' | 'target';

/** How far the download of a side's new and changed objects is: objects done of all to fetch. */
export type FetchProgress = (done: number, total: number) => void;

/** Endpoints that read in one go (a file, a feed) tell nothing as they go: the end is told for them. */
async function fetchWithProgress(endpoint: SourceEndpoint | TargetEndpoint, hrefs: string[], progress?: FetchProgress) {
  progress?.(0, hrefs.length);
  const fetched = await endpoint.fetchObjects(hrefs, progress && ((done) => progress(done, hrefs.length)));
  progress?.(hrefs.length, hrefs.length);
  return fetched;
}

/** The listing after `changes`, and the hrefs whose content is not known at their current ETag. */
function merge(cached: Map<string, CachedObject>, changes: Exclude<CollectionChanges, { kind: 'unchanged' }>) {
  const listed: ListedObject[] = changes.kind === 'full' ? changes.objects : changes.changed;
  const listedHrefs = new Set(listed.map((o) => o.href));
  const removed = changes.kind === 'full' ? [...cached.keys()].filter((href) => !listedHrefs.has(href)) : changes.removed.filter((href) => !listedHrefs.has(href));
  const stale = listed.filter((o) => o.etag === null || cached.get(o.href)?.etag !== o.etag);
  return { removed, stale };
}

/**
 * Applies the changes to the cached copy of a side, saving it unless `persist` is false (a dry
 * run), and returns the side as it now is.
 */
function apply(state: SyncState, side: Side, cached: Map<string, CachedObject>, upserts: CachedObject[], removed: string[], changes: CollectionChanges, persist: boolean): CachedObject[] {
  const now = new Map(cached);
  for (const href of removed) now.delete(href);
  for (const object of upserts) now.set(object.href, object);
  if (persist && changes.kind !== 'unchanged') state.saveCollection(side, upserts, removed, changes.mark);
  return [...now.values()];
}

/** The source as it is now; `mark` is where to ask for changes from (null: a full listing). */
export async function refreshSource(
  endpoint: SourceEndpoint,
  state: SyncState,
  persist: boolean,
  mark: CollectionMark | null = state.collectionMark('source'),
  progress?: FetchProgress,
): Promise<SourceObject[]> {
  const cached = new Map(state.cachedObjects('source').map((o) => [o.href, o]));
  const changes = await endpoint.changesSince(mark);
  let objects = [...cached.values()];
  if (changes.kind !== 'unchanged') {
    const { removed, stale } = merge(cached, changes);
    const fetched = await fetchWithProgress(endpoint, stale.map((o) => o.href), progress);
    const fetchedHrefs = new Set(fetched.map((o) => o.href));
    // Deleted between the listing and the fetch: gone.
    const vanished = stale.filter((o) => !fetchedHrefs.has(o.href)).map((o) => o.href);
    const upserts = fetched.map(({ href, etag, data }) => ({ href, etag, data, markers: null, span: null, facts: null }));
    objects = apply(state, 'source', cached, upserts, [...removed, ...vanished], changes, persist);
  }
  return objects.map(({ href, etag, data }) => ({ href, etag: etag ?? '', data: data ?? '' }));
}

/** The target as it is now; `mark` is where to ask for changes from, when not the saved one. */
export async function refreshTarget(
  endpoint: TargetEndpoint,
  state: SyncState,
  pairKey: string,
  mappings: Mapping[],
  persist: boolean,
  mark: CollectionMark | null = state.collectionMark('target'),
  progress?: FetchProgress,
): Promise<TargetObject[]> {
  const cached = new Map(state.cachedObjects('target').map((o) => [o.href, o]));
  const changes = await endpoint.changesSince(mark);
  let objects = [...cached.values()];
  if (changes.kind !== 'unchanged') {
    const { removed, stale } = merge(cached, changes);
    // A copy this tool wrote is known by its ETag (and what was cached of it); only others are read.
    const written = new Map(mappings.map((m) => [m.targetHref, m]));
    const ours = stale.filter((o) => o.etag !== null && written.get(o.href)?.targetEtag === o.etag && cached.get(o.href)?.facts);
    const others = stale.filter((o) => !ours.includes(o));
    const fetched = await fetchWithProgress(endpoint, others.map((o) => o.href), progress);
    const fetchedHrefs = new Set(fetched.map((o) => o.href));
    const upserts: CachedObject[] = [
      ...ours.map(({ href, etag }) => {
        const mapping = written.get(href)!;
        const markers = { pairKey, sourceUid: mapping.sourceUid, recurrenceId: mapping.recurrenceId };
        const known = cached.get(href)!;
        return { href, etag, data: known.etag === etag ? known.data : null, markers, span: { start: mapping.instanceStart, end: mapping.instanceEnd }, facts: known.facts };
      }),
      // The text is kept: it is what undo puts back if this run changes or deletes the object.
      ...fetched.map(({ href, etag, data }) => ({ href, etag, data, ...readTargetObject(data) })),
    ];
    const vanished = others.filter((o) => !fetchedHrefs.has(o.href)).map((o) => o.href);
    objects = apply(state, 'target', cached, upserts, [...removed, ...vanished], changes, persist);
  }
  return objects.map(({ href, etag, markers, span, facts }) => ({ href, etag, markers, span, facts }));
}
