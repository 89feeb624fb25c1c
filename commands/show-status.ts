// `status`: per pair, its last runs, the copies it holds, what is pending (conflicts, failures in the
// last run) and whether a run is going now. Read from sync.db alone: no server is asked.
import { and, desc, eq, or, sql } from 'drizzle-orm';
import type { StateDatabase } from '../db/open-database.ts';
import { audit, locks, mappings, pairs, runs } from '../db/schema.ts';
import { countsText } from '../lib/run-report.ts';

export interface PairStatus {
  pair: string;
  /** PAIR_NAME, when the pair's config gives one. */
  name: string | null;
  source: string;
  target: string;
  copies: { synced: number; keptDeleted: number };
  window: { start: string; end: string } | null;
  runs: Array<typeof runs.$inferSelect>;
  /** What the last finished run left to look at: its conflicts and its failed or skipped actions. */
  pending: Array<{ action: string; outcome: string; sourceUid: string | null; recurrenceId: string | null; targetHref: string | null; reason: string }>;
  lock: { pid: number; host: string; since: string; heartbeat: string } | null;
}

/** The status of every pair, or of the one with this PAIR_NAME or key. */
export function pairStatuses(db: StateDatabase, lastRuns: number, only?: string): PairStatus[] {
  const chosen = only === undefined ? undefined : or(eq(pairs.name, only), eq(pairs.pairKey, only));
  return db.select().from(pairs).where(chosen).orderBy(pairs.id).all().map((pair) => {
    const recent = db.select().from(runs).where(eq(runs.pairId, pair.id)).orderBy(desc(runs.id)).limit(lastRuns).all();
    const lastFinished = db.select().from(runs).where(and(eq(runs.pairId, pair.id), sql`${runs.finishedAt} IS NOT NULL`)).orderBy(desc(runs.id)).limit(1).get();
    const counts = db
      .select({ state: mappings.copyState, n: sql<number>`count(*)` })
      .from(mappings)
      .where(eq(mappings.pairId, pair.id))
      .groupBy(mappings.copyState)
      .all();
    const pending = lastFinished
      ? db
          .select({ action: audit.action, outcome: audit.outcome, sourceUid: audit.sourceUid, recurrenceId: audit.recurrenceId, targetHref: audit.targetHref, reason: audit.reason })
          .from(audit)
          .where(and(eq(audit.runId, lastFinished.id), sql`(${audit.outcome} = 'failed' OR ${audit.action} = 'conflict')`))
          .orderBy(audit.id)
          .all()
      : [];
    const lock = db.select().from(locks).where(eq(locks.pairId, pair.id)).get();
    return {
      pair: pair.pairKey,
      name: pair.name,
      source: pair.source,
      target: pair.target,
      copies: {
        synced: counts.find((c) => c.state === 'synced')?.n ?? 0,
        keptDeleted: counts.find((c) => c.state === 'deleted-on-target')?.n ?? 0,
      },
      window: recent[0] ? { start: recent[0].windowStart, end: recent[0].windowEnd } : null,
      runs: recent,
      pending,
      lock: lock ? { pid: lock.pid, host: lock.host, since: lock.acquiredAt, heartbeat: lock.heartbeatAt } : null,
    };
  });
}

function runLine(run: typeof runs.$inferSelect): string {
  const took = run.durationMs === null ? '' : `, ${(run.durationMs / 1000).toFixed(1)} s`;
  const error = run.error ? ` (${run.error})` : '';
  const command = run.command === 'sync' ? '' : ` (${run.command})`;
  return `run ${run.id}${command} ${run.startedAt} ${run.outcome}: ${countsText(run)}; ${run.requests} requests${took}${error}`;
}

export function statusText(statuses: PairStatus[]): string {
  if (statuses.length === 0) return 'no pair has been synced with this database yet';
  const lines: string[] = [];
  for (const s of statuses) {
    lines.push(`pair ${s.name === null ? s.pair : `${s.name} (${s.pair})`}: ${s.source} -> ${s.target}`);
    lines.push(`  copies: ${s.copies.synced} synced${s.copies.keptDeleted ? `, ${s.copies.keptDeleted} deleted on the target and kept so` : ''}`);
    if (s.window) lines.push(`  window of the last run: ${s.window.start} .. ${s.window.end}`);
    if (s.lock) lines.push(`  running now: process ${s.lock.pid} on ${s.lock.host} since ${s.lock.since} (last heartbeat ${s.lock.heartbeat})`);
    lines.push(s.runs.length ? '  last runs:' : '  no runs yet');
    for (const run of s.runs) lines.push(`    ${runLine(run)}`);
    const conflicts = s.pending.filter((p) => p.action === 'conflict').length;
    const failures = s.pending.length - conflicts;
    lines.push(`  pending from the last finished run: ${conflicts} conflicts, ${failures} failed or skipped`);
    for (const p of s.pending) {
      const occurrence = p.sourceUid ? (p.recurrenceId ? `${p.sourceUid} @ ${p.recurrenceId}` : p.sourceUid) : '';
      lines.push(`    ${[p.action === 'conflict' ? 'conflict' : `${p.action} ${p.outcome}`, occurrence, p.targetHref ? `-> ${p.targetHref}` : '', `(${p.reason})`].filter(Boolean).join(' ')}`);
    }
  }
  return lines.join('\n');
}
