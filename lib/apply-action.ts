// Performs one planned action on the target and records it (state and audit in one transaction).
import type { SyncState } from '../db/sync-state.ts';
import type { Action } from './domain.ts';
import type { TargetEndpoint } from './endpoints/endpoint.ts';

export type ActionOutcome = 'ok' | 'failed';

export async function applyAction(action: Action, target: TargetEndpoint, state: SyncState, runId: number): Promise<ActionOutcome> {
  switch (action.kind) {
    case 'unchanged':
      return 'ok'; // recorded in one batch by the caller
    case 'skip':
      state.recordOnly(runId, {
        action: 'skip',
        outcome: 'failed',
        id: action.id,
        sourceHref: action.sourceHref,
        targetHref: action.targetHref,
        reason: action.reason,
      });
      return 'ok'; // the skip itself was done: recorded, and counted as skipped
    case 'retire':
      state.recordForget(runId, action.mapping, {
        action: 'retire',
        outcome: 'ok',
        id: action.mapping,
        sourceHref: action.mapping.sourceHref,
        targetHref: action.mapping.targetHref,
        etagBefore: action.mapping.targetEtag,
        reason: action.reason,
      });
      return 'ok';
  }
  const { kind } = action;
  const id = kind === 'delete' ? action.mapping : action.copy;
  const targetHref = kind === 'delete' ? action.mapping.targetHref : action.copy.targetHref;
  const sourceHref = kind === 'delete' ? action.mapping.sourceHref : action.copy.sourceHref;
  const etagBefore = kind === 'create' ? null : action.etag;
  const entry = { action: kind, id, sourceHref, targetHref, etagBefore };
  try {
    if (kind === 'delete') {
      await target.remove(targetHref, action.etag);
      state.recordForget(runId, action.mapping, { ...entry, outcome: 'ok', reason: action.reason }, targetHref);
    } else {
      const etag =
        kind === 'create'
          ? await target.create(targetHref, action.copy.ics)
          : await target.update(targetHref, action.copy.ics, action.etag);
      state.recordWrite(runId, action.copy, etag, { ...entry, outcome: 'ok', etagAfter: etag, reason: action.reason });
    }
    return 'ok';
  } catch (error) {
    state.recordOnly(runId, { ...entry, outcome: 'failed', reason: `${action.reason}; failed: ${(error as Error).message}` });
    return 'failed';
  }
}
