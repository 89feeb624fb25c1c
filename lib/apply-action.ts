// Performs one planned action on the target and records it (state and audit in one transaction).
// Deletions in the source (TARGET_DELETIONS=propagate) are done by propagate-deletions.ts.
import type { SyncState } from '../db/sync-state.ts';
import type { Action } from './domain.ts';
import type { TargetEndpoint } from './endpoints/endpoint.ts';
import { copyText } from './render-copy.ts';

/** 'ok', or why the action failed (also in its audit row). */
export type ActionOutcome = 'ok' | { failed: string };

/**
 * The text an object of the target has at `etag`, for the audit row of a write that changes or
 * deletes it: as last read or written, else read now (a state from before texts were kept).
 */
async function contentBefore(target: TargetEndpoint, state: SyncState, href: string, etag: string): Promise<string | null> {
  const known = state.cachedContent('target', href, etag);
  if (known !== null) return known;
  const [object] = await target.fetchObjects([href]);
  return object?.etag === etag ? object.data : null;
}

export async function applyAction(action: Exclude<Action, { kind: 'propagate' }>, target: TargetEndpoint, state: SyncState, runId: number): Promise<ActionOutcome> {
  switch (action.kind) {
    case 'unchanged':
      return 'ok'; // recorded in one batch by the caller
    case 'skip':
    case 'conflict':
    case 'report':
      state.recordOnly(runId, {
        action: action.kind,
        outcome: action.kind === 'skip' ? 'failed' : 'ok',
        id: action.id,
        sourceHref: action.kind === 'skip' ? action.sourceHref : undefined,
        targetHref: action.targetHref,
        reason: action.reason,
      });
      return 'ok'; // the action itself was done: recorded, and counted
    case 'retire':
    case 'respect': {
      const entry = {
        action: action.kind,
        outcome: 'ok' as const,
        id: action.mapping,
        sourceHref: action.mapping.sourceHref,
        targetHref: action.mapping.targetHref,
        etagBefore: action.mapping.targetEtag,
        reason: action.reason,
      };
      if (action.kind === 'retire') state.recordForget(runId, action.mapping, entry);
      else state.recordRespect(runId, action.mapping, entry);
      return 'ok';
    }
    case 'discard': {
      const { object } = action;
      const entry = { action: 'discard', id: object.markers ?? undefined, targetHref: object.href, etagBefore: object.etag, contentBefore: null as string | null };
      try {
        entry.contentBefore = await contentBefore(target, state, object.href, object.etag);
        await target.remove(object.href, object.etag);
        state.recordDiscard(runId, object.href, { ...entry, outcome: 'ok', reason: action.reason });
        return 'ok';
      } catch (error) {
        state.recordOnly(runId, { ...entry, outcome: 'failed', reason: `${action.reason}; failed: ${(error as Error).message}` });
        return { failed: (error as Error).message };
      }
    }
    case 'delete': {
      const { mapping } = action;
      const entry = { action: 'delete', id: mapping, sourceHref: mapping.sourceHref, targetHref: mapping.targetHref, etagBefore: action.etag, contentBefore: null as string | null };
      try {
        entry.contentBefore = await contentBefore(target, state, mapping.targetHref, action.etag);
        await target.remove(mapping.targetHref, action.etag);
        state.recordForget(runId, mapping, { ...entry, outcome: 'ok', reason: action.reason }, mapping.targetHref);
        return 'ok';
      } catch (error) {
        state.recordOnly(runId, { ...entry, outcome: 'failed', reason: `${action.reason}; failed: ${(error as Error).message}` });
        return { failed: (error as Error).message };
      }
    }
  }
  if (action.kind === 'relink') {
    const { copy, place, etag } = action;
    state.recordWrite(runId, copy, place, etag, copyText(copy, place), { action: 'relink', outcome: 'ok', id: copy, sourceHref: copy.sourceHref, targetHref: place.href, etagBefore: etag, etagAfter: etag, reason: action.reason });
    return 'ok';
  }
  const { copy, place } = action;
  const entry = { action: action.kind, id: copy, sourceHref: copy.sourceHref, targetHref: place.href, etagBefore: action.kind === 'create' ? null : action.etag, contentBefore: null as string | null };
  try {
    if (action.kind !== 'create') entry.contentBefore = await contentBefore(target, state, place.href, action.etag);
    const ics = copyText(copy, place);
    const etag = action.kind === 'create' ? await target.create(place.href, ics) : await target.update(place.href, ics, action.etag);
    state.recordWrite(runId, copy, place, etag, ics, { ...entry, outcome: 'ok', etagAfter: etag, reason: action.reason });
    return 'ok';
  } catch (error) {
    state.recordOnly(runId, { ...entry, outcome: 'failed', reason: `${action.reason}; failed: ${(error as Error).message}` });
    return { failed: (error as Error).message };
  }
}
