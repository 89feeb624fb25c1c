// Reads and writes of the state: pairs, runs, mappings and the audit log.
import { and, eq, getTableColumns, sql } from 'drizzle-orm';
import type { CopyMarkers, CopyPlace, CopyState, DesiredCopy, InstanceSpan, Mapping, ObjectFacts, OccurrenceId } from '../lib/domain.ts';
import type { CollectionMark } from '../lib/endpoints/endpoint.ts';
import { copyUid } from '../lib/copy-identity.ts';
import { canonicalHash, contentHash } from '../lib/render-copy.ts';
import { readTargetObject } from '../lib/target-object-facts.ts';
import { EXIT, UserError } from '../lib/errors.ts';
import type { StateDatabase } from './open-database.ts';
import { audit, collectionObjects, collectionState, mappings, pairs, runs } from './schema.ts';

/** An object of one side as last seen: data for the source; markers, span and facts for the target. */
export interface CachedObject {
  href: string;
  etag: string | null;
  data: string | null;
  markers: CopyMarkers | null;
  span: InstanceSpan | null;
  facts: ObjectFacts | null;
}

export type RunCounts = Pick<
  typeof runs.$inferInsert,
  'created' | 'updated' | 'deleted' | 'unchanged' | 'retired' | 'skipped' | 'failed' | 'conflicts' | 'propagated' | 'keptDeleted'
>;
export type RunTraffic = Pick<typeof runs.$inferInsert, 'requests' | 'requestsByMethod' | 'bytesReceived' | 'durationMs'>;

export interface AuditEntry {
  action: string;
  outcome: 'ok' | 'failed';
  id?: Partial<OccurrenceId>;
  sourceHref?: string;
  targetHref?: string;
  etagBefore?: string | null;
  etagAfter?: string | null;
  /** The object's text before this write changed or deleted it (what undo puts back). */
  contentBefore?: string | null;
  /** undo: the audit row this one reverts. */
  undoes?: number;
  reason: string;
}

/** A row of the audit log as undo reads it. */
export type AuditRow = typeof audit.$inferSelect;

const now = () => new Date().toISOString();

export class SyncState {
  /** The statements of the hot path (one write per copy), prepared once: building SQL per call costs more than running it. */
  private readonly statements;

  constructor(
    private readonly db: StateDatabase,
    readonly pairId: number,
    readonly pairKey: string,
  ) {
    const placeholders = <T extends Record<string, unknown>>(columns: T) =>
      Object.fromEntries(Object.keys(columns).map((name) => [name, sql.placeholder(name)])) as Record<keyof T, ReturnType<typeof sql.placeholder>>;
    // An upsert sets every column to the value the insert brought (SQLite's excluded row).
    const excluded = (columns: Record<string, { name: string }>) => Object.fromEntries(Object.entries(columns).map(([key, column]) => [key, sql.raw(`excluded."${column.name}"`)]));
    const { id: _id, ...auditColumns } = getTableColumns(audit);
    this.statements = {
      upsertMapping: db
        .insert(mappings)
        .values(placeholders(getTableColumns(mappings)))
        .onConflictDoUpdate({ target: [mappings.pairId, mappings.sourceUid, mappings.recurrenceId], set: excluded(getTableColumns(mappings)) })
        .prepare(),
      upsertCached: db
        .insert(collectionObjects)
        .values(placeholders(getTableColumns(collectionObjects)))
        .onConflictDoUpdate({ target: [collectionObjects.pairId, collectionObjects.side, collectionObjects.href], set: excluded(getTableColumns(collectionObjects)) })
        .prepare(),
      insertAudit: db.insert(audit).values(placeholders(auditColumns)).prepare(),
      touchMapping: db
        .update(mappings)
        .set(Object.fromEntries(['lastSeenRun', 'sourceHref', 'sourceEtag', 'instanceStart', 'instanceEnd'].map((name) => [name, sql`${sql.placeholder(name)}`])))
        .where(and(eq(mappings.pairId, sql.placeholder('pairId')), eq(mappings.sourceUid, sql.placeholder('sourceUid')), eq(mappings.recurrenceId, sql.placeholder('recurrenceId'))))
        .prepare(),
    };
  }

  static exists(db: StateDatabase, pairKey: string): boolean {
    return db.select({ id: pairs.id }).from(pairs).where(eq(pairs.pairKey, pairKey)).get() !== undefined;
  }

  /**
   * The state of the pair of these two calendars, made on its first run. `name` (PAIR_NAME) is
   * given to it; a name is one pair's only, and a pair keeps the name it was first given.
   */
  static forPair(db: StateDatabase, pairKey: string, source: string, target: string, name: string | null = null): SyncState {
    const existing = db.select().from(pairs).where(eq(pairs.pairKey, pairKey)).get();
    if (name !== null) {
      const named = db.select().from(pairs).where(eq(pairs.name, name)).get();
      if (named && named.pairKey !== pairKey) {
        throw new UserError(`PAIR_NAME=${name} already names another pair in this state database (${named.source} -> ${named.target}); give this pair another name`, EXIT.config);
      }
      if (existing?.name && existing.name !== name) {
        throw new UserError(`these calendars are synced as the pair "${existing.name}" in this state database; set PAIR_NAME=${existing.name}`, EXIT.config);
      }
    }
    if (existing && name !== null && existing.name === null) db.update(pairs).set({ name }).where(eq(pairs.id, existing.id)).run();
    const row = existing ?? db.insert(pairs).values({ pairKey, name, source, target, createdAt: now() }).returning().get();
    return new SyncState(db, row.id, pairKey);
  }

  startRun(window: { start: string; end: string }, command: 'sync' | 'repair' | 'undo' = 'sync'): number {
    return this.db
      .insert(runs)
      .values({ pairId: this.pairId, command, startedAt: now(), windowStart: window.start, windowEnd: window.end, outcome: 'running' })
      .returning({ id: runs.id })
      .get().id;
  }

  finishRun(runId: number, outcome: string, counts: RunCounts, traffic: RunTraffic, error?: string): void {
    this.db.update(runs).set({ ...counts, ...traffic, outcome, error, finishedAt: now() }).where(eq(runs.id, runId)).run();
  }

  collectionMark(side: string): CollectionMark | null {
    const row = this.db.select().from(collectionState).where(and(eq(collectionState.pairId, this.pairId), eq(collectionState.side, side))).get();
    return row ? { syncToken: row.syncToken, ctag: row.ctag } : null;
  }

  /**
   * Makes the next change check of a side a full listing. Used before creating copies: a server may
   * leave an object created and then deleted after a sync token out of the delta from that token
   * (Xandikos does), so a run that dies before renewing its token must not trust the old one.
   */
  forgetCollectionMark(side: string): void {
    this.db.update(collectionState).set({ syncToken: null, ctag: null, updatedAt: now() }).where(and(eq(collectionState.pairId, this.pairId), eq(collectionState.side, side))).run();
  }

  cachedObjects(side: string): CachedObject[] {
    return this.db
      .select()
      .from(collectionObjects)
      .where(and(eq(collectionObjects.pairId, this.pairId), eq(collectionObjects.side, side)))
      .all()
      .map((row) => ({
        href: row.href,
        etag: row.etag,
        data: row.data,
        markers: row.markerPair === null ? null : { pairKey: row.markerPair, sourceUid: row.markerSourceUid ?? '', recurrenceId: row.markerRecurrenceId ?? '' },
        span: row.instanceStart === null || row.instanceEnd === null ? null : { start: row.instanceStart, end: row.instanceEnd },
        facts:
          row.uid === null
            ? null
            : {
                uid: row.uid,
                recurrenceId: row.ownRecurrenceId ?? '',
                summary: row.summary ?? '',
                recurring: row.recurring ?? false,
                sequence: row.sequence ?? 0,
                createdAt: row.createdAt ?? '',
                canonicalHash: row.canonicalHash ?? '',
              },
      }));
  }

  private cacheRow(side: string, object: CachedObject): typeof collectionObjects.$inferInsert {
    return {
      pairId: this.pairId,
      side,
      href: object.href,
      etag: object.etag,
      data: object.data,
      markerPair: object.markers?.pairKey ?? null,
      markerSourceUid: object.markers?.sourceUid ?? null,
      markerRecurrenceId: object.markers?.recurrenceId ?? null,
      instanceStart: object.span?.start ?? null,
      instanceEnd: object.span?.end ?? null,
      uid: object.facts?.uid ?? null,
      ownRecurrenceId: object.facts?.recurrenceId ?? null,
      summary: object.facts?.summary ?? null,
      recurring: object.facts?.recurring ?? null,
      sequence: object.facts?.sequence ?? null,
      createdAt: object.facts?.createdAt ?? null,
      canonicalHash: object.facts?.canonicalHash ?? null,
    };
  }

  private cacheWhere(side: string, href: string) {
    return and(eq(collectionObjects.pairId, this.pairId), eq(collectionObjects.side, side), eq(collectionObjects.href, href));
  }

  /** What a side now holds, and the mark to ask for changes from next time: together. */
  saveCollection(side: string, upserts: CachedObject[], removed: string[], mark: CollectionMark): void {
    this.db.transaction((tx) => {
      for (const href of removed) tx.delete(collectionObjects).where(this.cacheWhere(side, href)).run();
      for (const object of upserts) this.statements.upsertCached.run(this.cacheRow(side, object));
      const state = { pairId: this.pairId, side, syncToken: mark.syncToken, ctag: mark.ctag, updatedAt: now() };
      tx.insert(collectionState).values(state).onConflictDoUpdate({ target: [collectionState.pairId, collectionState.side], set: state }).run();
    });
  }

  mappings(): Mapping[] {
    return this.db
      .select()
      .from(mappings)
      .where(eq(mappings.pairId, this.pairId))
      .all()
      .map(({ pairId: _pairId, lastSeenRun: _lastSeenRun, ...mapping }) => ({ ...mapping, copyState: mapping.copyState as CopyState }));
  }

  /** Whether the pair has finished a run before: earlier tools' copies are adopted on the first one only. */
  hasFinishedRun(): boolean {
    return this.db.select({ id: runs.id }).from(runs).where(and(eq(runs.pairId, this.pairId), sql`${runs.finishedAt} IS NOT NULL AND ${runs.outcome} IN ('success', 'partial')`)).get() !== undefined;
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
      contentBefore: entry.contentBefore,
      undoes: entry.undoes,
      reason: entry.reason,
    };
  }

  /** An action that changed nothing in the state: a skip, or a failure. */
  recordOnly(runId: number, entry: AuditEntry): void {
    this.db.insert(audit).values(this.auditRow(runId, entry)).run();
  }

  /** A copy now stored on the target at `place` with `etag` (its text: `stored`): its mapping and its audit row, together. */
  recordWrite(runId: number, copy: DesiredCopy, place: CopyPlace, etag: string | null, stored: string, entry: AuditEntry): void {
    const mapping = {
      pairId: this.pairId,
      sourceUid: copy.sourceUid,
      recurrenceId: copy.recurrenceId,
      instanceStart: copy.start,
      instanceEnd: copy.end,
      sourceHref: copy.sourceHref,
      sourceEtag: copy.sourceEtag,
      targetHref: place.href,
      targetEtag: etag,
      targetUid: place.uid,
      contentHash: copy.contentHash,
      copyState: 'synced',
      lastSeenRun: runId,
    };
    const markers = { pairKey: this.pairKey, sourceUid: copy.sourceUid, recurrenceId: copy.recurrenceId };
    const facts = { uid: place.uid ?? copy.uid, recurrenceId: '', summary: copy.summary, recurring: false, sequence: 0, createdAt: '', canonicalHash: canonicalHash(copy.ics) };
    const cached = this.cacheRow('target', { href: place.href, etag, data: stored, markers, span: { start: copy.start, end: copy.end }, facts });
    this.db.transaction(() => {
      this.statements.upsertMapping.run(mapping);
      this.statements.upsertCached.run(cached);
      this.statements.insertAudit.run(this.auditRow(runId, entry));
    });
  }

  /** The mapping is gone (copy deleted or retired): removed with its audit row, together. */
  recordForget(runId: number, id: OccurrenceId, entry: AuditEntry, deletedHref?: string): void {
    this.db.transaction((tx) => {
      if (deletedHref !== undefined) tx.delete(collectionObjects).where(this.cacheWhere('target', deletedHref)).run();
      tx.delete(mappings)
        .where(and(eq(mappings.pairId, this.pairId), eq(mappings.sourceUid, id.sourceUid), eq(mappings.recurrenceId, id.recurrenceId)))
        .run();
      tx.insert(audit).values(this.auditRow(runId, entry)).run();
    });
  }

  /** The user deleted the copy and it stays deleted (TARGET_DELETIONS=respect): remembered with its audit row. */
  recordRespect(runId: number, mapping: Mapping, entry: AuditEntry): void {
    this.db.transaction((tx) => {
      tx.update(mappings)
        .set({ copyState: 'deleted-on-target', targetEtag: null, lastSeenRun: runId })
        .where(and(eq(mappings.pairId, this.pairId), eq(mappings.sourceUid, mapping.sourceUid), eq(mappings.recurrenceId, mapping.recurrenceId)))
        .run();
      tx.insert(audit).values(this.auditRow(runId, entry)).run();
    });
  }

  /** An object with no mapping was deleted (a duplicate): forgotten with its audit row. */
  recordDiscard(runId: number, href: string, entry: AuditEntry): void {
    this.db.transaction((tx) => {
      tx.delete(collectionObjects).where(this.cacheWhere('target', href)).run();
      tx.insert(audit).values(this.auditRow(runId, entry)).run();
    });
  }

  /** The text of a side's object at this ETag, as last read or written; null when not known. */
  cachedContent(side: string, href: string, etag: string): string | null {
    const row = this.db.select({ data: collectionObjects.data, etag: collectionObjects.etag }).from(collectionObjects).where(this.cacheWhere(side, href)).get();
    return row?.etag === etag ? row.data : null;
  }

  /** The occurrence whose copy is at `href`, if the state maps one there. */
  mappedAt(href: string): OccurrenceId | null {
    const row = this.db
      .select({ sourceUid: mappings.sourceUid, recurrenceId: mappings.recurrenceId })
      .from(mappings)
      .where(and(eq(mappings.pairId, this.pairId), eq(mappings.targetHref, href)))
      .get();
    return row ?? null;
  }

  /** A run of this pair, or undefined. */
  run(runId: number): typeof runs.$inferSelect | undefined {
    return this.db.select().from(runs).where(and(eq(runs.id, runId), eq(runs.pairId, this.pairId))).get();
  }

  /** A run's audit rows, in the order they were written. */
  auditOfRun(runId: number): AuditRow[] {
    return this.db.select().from(audit).where(eq(audit.runId, runId)).orderBy(audit.id).all();
  }

  /** The audit rows undone so far, with the run that undid each. */
  undoneRows(): Map<number, number> {
    const rows = this.db
      .select({ undoes: audit.undoes, runId: audit.runId })
      .from(audit)
      .where(and(eq(audit.pairId, this.pairId), eq(audit.outcome, 'ok'), sql`${audit.undoes} IS NOT NULL`))
      .all();
    return new Map(rows.map((r) => [r.undoes!, r.runId]));
  }

  /**
   * undo put an object back on a side (`data` now stored at `href` with `etag`): what is cached of
   * it, and the mapping of a copy there (its content is now the earlier one), with the audit row.
   */
  recordRestored(runId: number, side: 'source' | 'target', href: string, etag: string | null, data: string, entry: AuditEntry, deleted?: OccurrenceId & { sourceHref: string }): void {
    const read = side === 'target' ? readTargetObject(data) : { markers: null, span: null, facts: null };
    const cached = this.cacheRow(side, { href, etag, data, ...read });
    this.db.transaction((tx) => {
      this.statements.upsertCached.run(cached);
      if (deleted && read.span) {
        // A copy the run deleted comes back with its mapping, as it was: the next sync decides again.
        const uid = read.facts?.uid ?? null;
        this.statements.upsertMapping.run({
          pairId: this.pairId,
          sourceUid: deleted.sourceUid,
          recurrenceId: deleted.recurrenceId,
          instanceStart: read.span.start,
          instanceEnd: read.span.end,
          sourceHref: deleted.sourceHref,
          sourceEtag: null,
          targetHref: href,
          targetEtag: etag,
          targetUid: uid === copyUid(this.pairKey, deleted) ? null : uid,
          contentHash: contentHash(data),
          copyState: 'synced',
          lastSeenRun: runId,
        });
      } else if (side === 'target') {
        tx.update(mappings)
          .set({ targetEtag: etag, contentHash: contentHash(data) })
          .where(and(eq(mappings.pairId, this.pairId), eq(mappings.targetHref, href)))
          .run();
      }
      tx.insert(audit).values(this.auditRow(runId, entry)).run();
    });
  }

  /** Copies that needed no write were seen in this run (and their source may have a new ETag). */
  recordUnchanged(runId: number, copies: DesiredCopy[]): void {
    this.db.transaction(() => {
      for (const copy of copies) {
        this.statements.touchMapping.run({
          pairId: this.pairId,
          sourceUid: copy.sourceUid,
          recurrenceId: copy.recurrenceId,
          lastSeenRun: runId,
          sourceHref: copy.sourceHref,
          sourceEtag: copy.sourceEtag,
          instanceStart: copy.start,
          instanceEnd: copy.end,
        });
      }
    });
  }
}
