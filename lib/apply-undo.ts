// Performs one step of an undo and records it: an audit row with action 'undo' that names the row
// it reverts, and the state brought to what the servers now hold.
import type { SyncState } from '../db/sync-state.ts';
import type { ActionOutcome } from './apply-action.ts';
import type { TargetEndpoint, WritableSource } from './endpoints/endpoint.ts';
import type { UndoStep, WriteRecord } from './plan-undo.ts';

type Write = Exclude<UndoStep, { kind: 'already' | 'cannot' }>;

/** The audit entry of an undo step for one row: action 'undo', naming the row it reverts. */
export function undoEntry(row: WriteRecord, reason: string) {
  const id = row.sourceUid === null ? undefined : { sourceUid: row.sourceUid, recurrenceId: row.recurrenceId ?? '' };
  return { action: 'undo', id, sourceHref: row.sourceHref ?? undefined, targetHref: row.targetHref ?? undefined, undoes: row.id, reason };
}

export async function applyUndoStep(step: Write, target: TargetEndpoint, source: WritableSource | null, state: SyncState, runId: number, reason: string): Promise<ActionOutcome> {
  const rows = step.kind === 'restore-source' ? step.rows : [step.row];
  try {
    switch (step.kind) {
      case 'remove': {
        const entry = { ...undoEntry(step.row, reason), outcome: 'ok' as const, etagBefore: step.etag, contentBefore: state.cachedContent('target', step.href, step.etag) };
        await target.remove(step.href, step.etag);
        const mapped = state.mappedAt(step.href);
        if (mapped) state.recordForget(runId, mapped, entry, step.href);
        else state.recordDiscard(runId, step.href, entry);
        return 'ok';
      }
      case 'restore': {
        const entry = { ...undoEntry(step.row, reason), outcome: 'ok' as const, etagBefore: step.etag, contentBefore: state.cachedContent('target', step.href, step.etag) };
        const etag = await target.update(step.href, step.content, step.etag);
        state.recordRestored(runId, 'target', step.href, etag, step.content, { ...entry, etagAfter: etag });
        return 'ok';
      }
      case 'recreate': {
        const etag = await target.create(step.href, step.content);
        const entry = undoEntry(step.row, reason);
        const deleted = step.row.action === 'delete' && entry.id ? { ...entry.id, sourceHref: step.row.sourceHref ?? '' } : undefined;
        state.recordRestored(runId, 'target', step.href, etag, step.content, { ...entry, outcome: 'ok', etagAfter: etag }, deleted);
        return 'ok';
      }
      case 'restore-source': {
        if (!source) throw new Error('the source cannot be written');
        const contentBefore = step.etag === null ? null : state.cachedContent('source', step.href, step.etag);
        const etag = step.etag === null ? await source.create(step.href, step.content) : await source.update(step.href, step.content, step.etag);
        for (const row of step.rows) {
          state.recordRestored(runId, 'source', step.href, etag, step.content, { ...undoEntry(row, reason), outcome: 'ok', etagBefore: step.etag, etagAfter: etag, contentBefore });
        }
        return 'ok';
      }
    }
  } catch (error) {
    for (const row of rows) state.recordOnly(runId, { ...undoEntry(row, `${reason}; failed: ${(error as Error).message}`), outcome: 'failed' });
    return { failed: (error as Error).message };
  }
}
