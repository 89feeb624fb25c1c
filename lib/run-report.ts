// What a run prints: one line per action that did something, and the closing summary.
import type { RunCounts } from '../db/sync-state.ts';
import type { Action } from './domain.ts';
import type { RequestStats } from './http.ts';

export function emptyCounts(): Required<RunCounts> {
  return { created: 0, updated: 0, deleted: 0, unchanged: 0, retired: 0, skipped: 0, failed: 0, conflicts: 0, propagated: 0, keptDeleted: 0 };
}

const COUNTERS = {
  create: 'created',
  update: 'updated',
  adopt: 'updated', // adopting rewrites a copy in place
  relink: 'unchanged', // nothing is written: only the state is rebuilt
  delete: 'deleted',
  discard: 'deleted',
  propagate: 'propagated',
  respect: 'keptDeleted',
  retire: 'retired',
  unchanged: 'unchanged',
  conflict: 'conflicts',
  report: null, // told, not counted: it changes nothing
  skip: 'skipped',
} as const satisfies Record<Action['kind'], keyof RunCounts | null>;

/** The counter an action adds to when it succeeds, if any. */
export function countOf(action: Action): keyof RunCounts | null {
  return COUNTERS[action.kind];
}

function occurrenceOf(action: Action): { sourceUid?: string; recurrenceId?: string } {
  switch (action.kind) {
    case 'skip':
    case 'conflict':
    case 'report':
      return action.id;
    case 'discard':
      return action.object.markers ?? {};
    case 'delete':
    case 'propagate':
    case 'respect':
    case 'retire':
      return action.mapping;
    default:
      return action.copy;
  }
}

function hrefOf(action: Action): string | undefined {
  switch (action.kind) {
    case 'skip':
    case 'conflict':
    case 'report':
      return action.targetHref;
    case 'discard':
      return action.object.href;
    case 'delete':
    case 'propagate':
    case 'respect':
    case 'retire':
      return action.mapping.targetHref;
    case 'unchanged':
      return action.copy.targetHref;
    default:
      return action.place.href;
  }
}

export function describeAction(action: Action): string {
  const id = occurrenceOf(action);
  const occurrence = id.sourceUid === undefined ? '' : id.recurrenceId ? `${id.sourceUid} @ ${id.recurrenceId}` : id.sourceUid;
  const href = hrefOf(action);
  const reason = action.kind === 'unchanged' ? '' : `(${action.reason})`;
  return [action.kind.padEnd(6), occurrence, href ? `-> ${href}` : '', reason].filter(Boolean).join(' ');
}

const LABELS: Record<keyof RunCounts, string> = {
  created: 'created',
  updated: 'updated',
  deleted: 'deleted',
  unchanged: 'unchanged',
  retired: 'retired',
  skipped: 'skipped',
  failed: 'failed',
  conflicts: 'conflicts',
  propagated: 'deleted in the source',
  keptDeleted: 'kept deleted',
};
/** Shown only when they happened: they depend on settings most runs do not use. */
const OCCASIONAL = new Set<keyof RunCounts>(['conflicts', 'propagated', 'keptDeleted']);

/** "3 created, 0 updated, ..., 1 conflicts": the counts of a run, the occasional ones only when not 0. */
export function countsText(counts: Required<RunCounts>): string {
  return (Object.keys(LABELS) as Array<keyof RunCounts>)
    .filter((name) => counts[name] > 0 || !OCCASIONAL.has(name))
    .map((name) => `${counts[name]} ${LABELS[name]}`)
    .join(', ');
}

/** Requests made so far, all methods. */
export const requestTotal = (stats: RequestStats): number => Object.values(stats.byMethod).reduce((a, b) => a + b, 0);

export function summaryLine(counts: Required<RunCounts>, stats: RequestStats, elapsedMs: number): string {
  const total = requestTotal(stats);
  const methods = Object.entries(stats.byMethod)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([method, n]) => `${method} ${n}`)
    .join(', ');
  const parts = countsText(counts);
  const retried = stats.retries > 0 ? `, ${stats.retries} of them retries` : '';
  return `${parts}; ${total} requests${methods ? ` (${methods})` : ''}${retried}, ${Math.round(stats.bytesReceived / 1024)} KiB received, ${(elapsedMs / 1000).toFixed(1)} s`;
}

/** The traffic part of the summary line, as fields of the --log-json summary. */
export function trafficRecord(stats: RequestStats, elapsedMs: number) {
  return { requests: requestTotal(stats), requestsByMethod: stats.byMethod, retries: stats.retries, bytesReceived: stats.bytesReceived, durationMs: elapsedMs };
}

/** One action as a plain record, for --dry-run --json and --log-json. */
export function actionRecord(action: Action): Record<string, string | undefined> {
  const id = occurrenceOf(action);
  return {
    action: action.kind,
    sourceUid: id.sourceUid,
    recurrenceId: id.sourceUid === undefined ? undefined : (id.recurrenceId ?? ''),
    targetHref: hrefOf(action),
    reason: action.kind === 'unchanged' ? undefined : action.reason,
  };
}

/** Whether a run with these counts wrote (or would write) to a calendar: --detailed-exitcode's 2. */
export function wroteAnything(counts: Required<RunCounts>): boolean {
  return counts.created + counts.updated + counts.deleted + counts.propagated > 0;
}
