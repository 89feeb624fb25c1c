// `log`: the audit rows, newest last, filtered by run, source UID, target href, action or outcome;
// as a table for people or as JSON lines for programs.
import { and, desc, eq, or, type SQL } from 'drizzle-orm';
import type { StateDatabase } from '../db/open-database.ts';
import { audit, pairs } from '../db/schema.ts';

export interface LogFilter {
  /** A pair's PAIR_NAME or key. */
  pair?: string;
  run?: number;
  uid?: string;
  href?: string;
  action?: string;
  outcome?: string;
  /** The newest rows only, this many. */
  limit: number;
}

export function auditRows(db: StateDatabase, filter: LogFilter) {
  const conditions: SQL[] = [];
  if (filter.pair !== undefined) conditions.push(or(eq(pairs.name, filter.pair), eq(pairs.pairKey, filter.pair))!);
  if (filter.run !== undefined) conditions.push(eq(audit.runId, filter.run));
  if (filter.uid !== undefined) conditions.push(eq(audit.sourceUid, filter.uid));
  if (filter.href !== undefined) conditions.push(eq(audit.targetHref, filter.href));
  if (filter.action !== undefined) conditions.push(eq(audit.action, filter.action));
  if (filter.outcome !== undefined) conditions.push(eq(audit.outcome, filter.outcome));
  const newest = db
    .select({
      id: audit.id,
      at: audit.at,
      run: audit.runId,
      pair: pairs.pairKey,
      action: audit.action,
      outcome: audit.outcome,
      sourceUid: audit.sourceUid,
      recurrenceId: audit.recurrenceId,
      sourceHref: audit.sourceHref,
      targetHref: audit.targetHref,
      etagBefore: audit.etagBefore,
      etagAfter: audit.etagAfter,
      reason: audit.reason,
    })
    .from(audit)
    .innerJoin(pairs, eq(pairs.id, audit.pairId))
    .where(and(...conditions))
    .orderBy(desc(audit.id))
    .limit(filter.limit)
    .all();
  return newest.reverse();
}

type AuditRow = ReturnType<typeof auditRows>[number];

export function logText(rows: AuditRow[]): string {
  if (rows.length === 0) return 'no audit rows match';
  return rows
    .map((row) => {
      const occurrence = row.sourceUid ? (row.recurrenceId ? `${row.sourceUid} @ ${row.recurrenceId}` : row.sourceUid) : '-';
      return [row.at, `run ${row.run}`, row.action.padEnd(9), row.outcome.padEnd(6), occurrence, row.targetHref ? `-> ${row.targetHref}` : '', `(${row.reason})`].filter(Boolean).join(' ');
    })
    .join('\n');
}

export function logJsonLines(rows: AuditRow[]): string {
  return rows.map((row) => JSON.stringify(row)).join('\n');
}
