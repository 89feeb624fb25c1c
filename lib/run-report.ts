// What a run prints: one line per action that did something, and the closing summary.
import type { RunCounts } from '../db/sync-state.ts';
import type { Action } from './domain.ts';
import type { RequestStats } from './http.ts';

export function emptyCounts(): Required<RunCounts> {
  return { created: 0, updated: 0, deleted: 0, unchanged: 0, retired: 0, skipped: 0, failed: 0 };
}

/** The counter an action adds to when it succeeds (adopting a copy is an update). */
export function countOf(action: Action): keyof RunCounts {
  const counters = { create: 'created', update: 'updated', adopt: 'updated', delete: 'deleted', retire: 'retired', unchanged: 'unchanged', skip: 'skipped' } as const;
  return counters[action.kind];
}

export function describeAction(action: Action): string {
  if (action.kind === 'unchanged') return `unchanged ${action.copy.targetHref}`;
  const id = action.kind === 'skip' ? action.id : 'copy' in action ? action.copy : action.mapping;
  const occurrence = id.sourceUid === undefined ? '' : id.recurrenceId ? `${id.sourceUid} @ ${id.recurrenceId}` : id.sourceUid;
  const href = action.kind === 'skip' ? action.targetHref : 'copy' in action ? action.copy.targetHref : action.mapping.targetHref;
  return [action.kind.padEnd(6), occurrence, href ? `-> ${href}` : '', `(${action.reason})`].filter(Boolean).join(' ');
}

export function summaryLine(counts: Required<RunCounts>, stats: RequestStats, elapsedMs: number): string {
  const total = Object.values(stats.byMethod).reduce((a, b) => a + b, 0);
  const methods = Object.entries(stats.byMethod)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([method, n]) => `${method} ${n}`)
    .join(', ');
  const parts = Object.entries(counts).map(([name, n]) => `${n} ${name}`).join(', ');
  return `${parts}; ${total} requests${methods ? ` (${methods})` : ''}, ${Math.round(stats.bytesReceived / 1024)} KiB received, ${(elapsedMs / 1000).toFixed(1)} s`;
}
