// Reads and writes of the state: pairs, runs, mappings and the audit log.
import { and, eq } from 'drizzle-orm';
import type { DesiredCopy, Mapping, OccurrenceId } from '../lib/domain.ts';
import type { StateDatabase } from './open-database.ts';
import { audit, mappings, pairs, runs } from './schema.ts';

export type RunCounts = Pick<typeof runs.$inferInsert, 'created' | 'updated' | 'deleted' | 'unchanged' | 'retired' | 'skipped' | 'failed'>;

export interface AuditEntry {
  action: string;
  outcome: 'ok' | 'failed';
  id?: Partial<OccurrenceId>;
  sourceHref?: string;
  targetHref?: string;
  etagBefore?: string | null;
  etagAfter?: string | null;
  reason: string;
}

const now = () => new Date().toISOString();

export class SyncState {
  constructor(
    private readonly db: StateDatabase,
    readonly pairId: number,
  ) {}

  static forPair(db: StateDatabase, pairKey: string, source: string, target: string): SyncState {
    const existing = db.select().from(pairs).where(eq(pairs.pairKey, pairKey)).get();
    const row = existing ?? db.insert(pairs).values({ pairKey, source, target, createdAt: now() }).returning().get();
    return new SyncState(db, row.id);
  }

  startRun(window: { start: string; end: string }): number {
    return this.db
      .insert(runs)
      .values({ pairId: this.pairId, startedAt: now(), windowStart: window.start, windowEnd: window.end, outcome: 'running' })
      .returning({ id: runs.id })
      .get().id;
  }

  finishRun(runId: number, outcome: string, counts: RunCounts, error?: string): void {
    this.db.update(runs).set({ ...counts, outcome, error, finishedAt: now() }).where(eq(runs.id, runId)).run();
  }

  mappings(): Mapping[] {
    return this.db
      .select()
      .from(mappings)
      .where(eq(mappings.pairId, this.pairId))
      .all()
      .map(({ pairId: _pairId, lastSeenRun: _lastSeenRun, ...mapping }) => mapping);
  }

  private auditRow(runId: number, entry: AuditEntry): typeof audit.$inferInsert {
    return {
      at: now(),
      runId,
      pairId: this.pairId,
      action: entry.action,
      outcome: entry.outcome,
      sourceUid: entry.id?.sourceUid,
      recurrenceId: entry.id?.recurrenceId,
      sourceHref: entry.sourceHref,
      targetHref: entry.targetHref,
      etagBefore: entry.etagBefore,
      etagAfter: entry.etagAfter,
      reason: entry.reason,
    };
  }

  /** An action that changed nothing in the state: a skip, or a failure. */
  recordOnly(runId: number, entry: AuditEntry): void {
    this.db.insert(audit).values(this.auditRow(runId, entry)).run();
  }

  /** A copy now stored on the target with `etag`: its mapping and its audit row, together. */
  recordWrite(runId: number, copy: DesiredCopy, etag: string | null, entry: AuditEntry): void {
    const row = {
      instanceStart: copy.start,
      instanceEnd: copy.end,
      sourceHref: copy.sourceHref,
      sourceEtag: copy.sourceEtag,
      targetHref: copy.targetHref,
      targetEtag: etag,
      contentHash: copy.contentHash,
      lastSeenRun: runId,
    };
    this.db.transaction((tx) => {
      tx.insert(mappings)
        .values({ pairId: this.pairId, sourceUid: copy.sourceUid, recurrenceId: copy.recurrenceId, ...row })
        .onConflictDoUpdate({ target: [mappings.pairId, mappings.sourceUid, mappings.recurrenceId], set: row })
        .run();
      tx.insert(audit).values(this.auditRow(runId, entry)).run();
    });
  }

  /** The mapping is gone (copy deleted or retired): removed with its audit row, together. */
  recordForget(runId: number, id: OccurrenceId, entry: AuditEntry): void {
    this.db.transaction((tx) => {
      tx.delete(mappings)
        .where(and(eq(mappings.pairId, this.pairId), eq(mappings.sourceUid, id.sourceUid), eq(mappings.recurrenceId, id.recurrenceId)))
        .run();
      tx.insert(audit).values(this.auditRow(runId, entry)).run();
    });
  }

  /** Copies that needed no write were seen in this run (and their source may have a new ETag). */
  recordUnchanged(runId: number, copies: DesiredCopy[]): void {
    this.db.transaction((tx) => {
      for (const copy of copies) {
        tx.update(mappings)
          .set({ lastSeenRun: runId, sourceHref: copy.sourceHref, sourceEtag: copy.sourceEtag, instanceStart: copy.start, instanceEnd: copy.end })
          .where(and(eq(mappings.pairId, this.pairId), eq(mappings.sourceUid, copy.sourceUid), eq(mappings.recurrenceId, copy.recurrenceId)))
          .run();
      }
    });
  }
}
