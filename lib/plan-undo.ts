// What `undo <run>` does, as a pure function of the run's audit rows and what both sides hold now:
// each write of the run reverted in the opposite order, each only if its object is still exactly as
// the run left it (same ETag), so that nobody's later change is ever overwritten by an undo.

/** What undo needs of an audit row. */
export interface WriteRecord {
  id: number;
  action: string;
  outcome: string;
  sourceUid: string | null;
  recurrenceId: string | null;
  sourceHref: string | null;
  targetHref: string | null;
  etagBefore: string | null;
  etagAfter: string | null;
  contentBefore: string | null;
}

export type UndoStep =
  /** A copy the run created: deleted, If-Match on the ETag the run got. */
  | { kind: 'remove'; row: WriteRecord; href: string; etag: string }
  /** A copy the run updated or adopted: its earlier text put back, If-Match. */
  | { kind: 'restore'; row: WriteRecord; href: string; etag: string; content: string }
  /** A copy the run deleted (or a duplicate it discarded): created again, If-None-Match. */
  | { kind: 'recreate'; row: WriteRecord; href: string; content: string }
  /** A source object the run changed or deleted (TARGET_DELETIONS=propagate): its earlier text put back; `etag` null: created again. */
  | { kind: 'restore-source'; rows: WriteRecord[]; href: string; etag: string | null; content: string }
  | { kind: 'already'; row: WriteRecord; byRun: number }
  | { kind: 'cannot'; row: WriteRecord; reason: string };

export interface UndoInput {
  rows: WriteRecord[];
  /** The target's objects now: href to ETag. */
  target: Map<string, string | null>;
  /** The source's objects now, or null when the source cannot be written (a file or feed). */
  source: Map<string, string | null> | null;
  /** Audit rows undone before, with the run that undid each. */
  undone: Map<number, number>;
}

/** The writes undo reverts; relink, respect, retire and the rest changed nothing on a server. */
const WRITES = new Set(['create', 'update', 'adopt', 'delete', 'discard', 'propagate']);

/** Why an object cannot be undone, when it is no longer as the run left it; null when it is. */
function changedSince(now: Map<string, string | null>, href: string, etagAfter: string | null): string | null {
  if (etagAfter === null) return now.has(href) ? `something is at ${href} again (ETag ${now.get(href)})` : null;
  if (!now.has(href)) return `${href} is no longer there`;
  const etag = now.get(href);
  return etag === etagAfter ? null : `${href} has changed since (ETag ${etag}, the run left ${etagAfter})`;
}

function planTargetWrite(row: WriteRecord, target: Map<string, string | null>): UndoStep {
  const href = row.targetHref ?? '';
  const cannot = (reason: string): UndoStep => ({ kind: 'cannot', row, reason: `${reason}; left as it is` });
  const deleted = row.action === 'delete' || row.action === 'discard';
  if (!deleted && row.etagAfter === null) return cannot(`the server gave no ETag for the copy, so it cannot be ${row.action === 'create' ? 'deleted' : 'written'} safely`);
  if (row.action !== 'create' && row.contentBefore === null) return cannot('its earlier text was not recorded (the run is older than undo)');
  const changed = changedSince(target, href, deleted ? null : row.etagAfter);
  if (changed) return cannot(changed);
  if (row.action === 'create') return { kind: 'remove', row, href, etag: row.etagAfter! };
  if (deleted) return { kind: 'recreate', row, href, content: row.contentBefore! };
  return { kind: 'restore', row, href, etag: row.etagAfter!, content: row.contentBefore! };
}

/** One source write served every occurrence deleted from one object: it is undone once, for all of them. */
function planSourceWrite(rows: WriteRecord[], source: Map<string, string | null> | null): UndoStep[] {
  const [first] = rows;
  const href = first.sourceHref ?? '';
  const cannot = (reason: string) => rows.map((row): UndoStep => ({ kind: 'cannot', row, reason }));
  if (source === null) return cannot('the run deleted it in the source, which is now a file or feed that cannot be written; left as it is');
  if (first.contentBefore === null) return cannot('the source event\'s earlier text was not recorded (the run is older than undo); left as it is');
  const changed = changedSince(source, href, first.etagAfter);
  if (changed) return cannot(`the source object ${changed}; left as it is`);
  return [{ kind: 'restore-source', rows, href, etag: first.etagAfter, content: first.contentBefore }];
}

export function planUndo({ rows, target, source, undone }: UndoInput): UndoStep[] {
  const steps: UndoStep[] = [];
  const writes = rows.filter((row) => row.outcome === 'ok' && WRITES.has(row.action));
  const propagated = new Map<string, WriteRecord[]>();
  for (const row of writes.filter((r) => r.action === 'propagate')) propagated.set(row.sourceHref ?? '', [...(propagated.get(row.sourceHref ?? '') ?? []), row]);
  for (const row of [...writes].reverse()) {
    const byRun = undone.get(row.id);
    if (byRun !== undefined) steps.push({ kind: 'already', row, byRun });
    else if (row.action !== 'propagate') steps.push(planTargetWrite(row, target));
    else {
      const group = propagated.get(row.sourceHref ?? '');
      // The group is planned at its last row (the first met going backwards).
      if (group?.at(-1) === row) steps.push(...planSourceWrite(group.filter((r) => !undone.has(r.id)), source));
    }
  }
  return steps;
}

function occurrence(row: WriteRecord): string {
  return row.recurrenceId ? `${row.sourceUid} @ ${row.recurrenceId}` : `${row.sourceUid ?? '(no source UID)'}`;
}

/** One line for the log and --dry-run, e.g. "remove the copy of x@example.org (x.ics) that run 12 created". */
export function describeUndoStep(step: UndoStep, runId: number): string {
  switch (step.kind) {
    case 'remove':
      return `remove the copy of ${occurrence(step.row)} (${step.href}) that run ${runId} created`;
    case 'restore':
      return `put back the copy of ${occurrence(step.row)} (${step.href}) as it was before run ${runId}'s ${step.row.action}`;
    case 'recreate':
      return `put back the copy of ${occurrence(step.row)} (${step.href}) that run ${runId} deleted (${step.row.action})`;
    case 'restore-source':
      return `put back the source event ${step.href} as it was before run ${runId} deleted ${step.rows.map(occurrence).join(', ')} in it`;
    case 'already':
      return `${step.row.action} of ${occurrence(step.row)} (${step.row.targetHref ?? step.row.sourceHref}): already undone by run ${step.byRun}`;
    case 'cannot':
      return `cannot undo the ${step.row.action} of ${occurrence(step.row)}: ${step.reason}`;
  }
}
