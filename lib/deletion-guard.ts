// The guard on mass deletion: a run that would delete a large share of the pair's copies (or all of
// them) is far more often a broken source, a wrong calendar or an emptied target than a real change.
import type { Action } from './domain.ts';

export interface GuardVerdict {
  deletions: number;
  /** Of the deletions, those in the source (TARGET_DELETIONS=propagate). */
  inSource: number;
  held: number;
  percent: number;
  /** Every copy the pair has would go. */
  all: boolean;
}

/**
 * Whether the plan deletes more than `maxPercent` of the pair's copies (the `held` ones on the target
 * now, and those whose deletion is being propagated), or all of them. Deletions of
 * this pair's copies on the target and of occurrences in the source (propagate) count; deleting a
 * foreign duplicate (--dedupe-foreign, asked for by name) does not. Null when the plan may go on.
 */
export function deletionGuard(actions: Action[], held: number, maxPercent: number): GuardVerdict | null {
  const deletions = actions.filter(
    (a) => a.kind === 'delete' || a.kind === 'propagate' || (a.kind === 'discard' && a.object.markers !== null),
  ).length;
  if (deletions === 0) return null;
  // A propagated deletion is of a copy already gone from the target: it counts in the base too.
  const inSource = actions.filter((a) => a.kind === 'propagate').length;
  const base = held + inSource;
  const percent = base === 0 ? 100 : Math.round((deletions / base) * 100);
  const all = deletions >= base;
  return all || deletions * 100 > maxPercent * base ? { deletions, inSource, held, percent, all } : null;
}
