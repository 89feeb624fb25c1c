// The state of every sync pair, readable with the sqlite3 shell. Times are RFC 3339 UTC text.
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** One source calendar synced into one target calendar. */
export const pairs = sqliteTable('pairs', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  /** Short stable id written into every copy as X-CALSYNC-PAIR. */
  pairKey: text('pair_key').notNull().unique(),
  /** PAIR_NAME from the pair's config, when it gives one: how status, log and people call the pair. */
  name: text('name').unique(),
  source: text('source').notNull(),
  target: text('target').notNull(),
  createdAt: text('created_at').notNull(),
});

/** One invocation of sync for a pair. */
export const runs = sqliteTable('runs', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  pairId: integer('pair_id').notNull().references(() => pairs.id),
  /** sync | repair | undo */
  command: text('command').notNull().default('sync'),
  startedAt: text('started_at').notNull(),
  finishedAt: text('finished_at'),
  windowStart: text('window_start').notNull(),
  windowEnd: text('window_end').notNull(),
  /** running | success | partial | failed | guarded (stopped before writing) | interrupted */
  outcome: text('outcome').notNull(),
  created: integer('created').notNull().default(0),
  updated: integer('updated').notNull().default(0),
  deleted: integer('deleted').notNull().default(0),
  unchanged: integer('unchanged').notNull().default(0),
  retired: integer('retired').notNull().default(0),
  skipped: integer('skipped').notNull().default(0),
  failed: integer('failed').notNull().default(0),
  /** Copies changed on the target and kept so (TARGET_EDITS=keep). */
  conflicts: integer('conflicts').notNull().default(0),
  /** Occurrences deleted in the source because their copy was deleted on the target (TARGET_DELETIONS=propagate). */
  propagated: integer('propagated').notNull().default(0),
  /** Copies deleted on the target whose deletion was remembered (TARGET_DELETIONS=respect). */
  keptDeleted: integer('kept_deleted').notNull().default(0),
  /** Why the whole run failed, when it did. */
  error: text('error'),
  requests: integer('requests').notNull().default(0),
  /** JSON object: HTTP requests by method, e.g. {"PUT":3,"REPORT":2}. */
  requestsByMethod: text('requests_by_method').notNull().default('{}'),
  bytesReceived: integer('bytes_received').notNull().default(0),
  durationMs: integer('duration_ms'),
});

/** One source occurrence and the target copy made of it. */
export const mappings = sqliteTable(
  'mappings',
  {
    pairId: integer('pair_id').notNull().references(() => pairs.id),
    sourceUid: text('source_uid').notNull(),
    /** Canonical RECURRENCE-ID (see X-CALSYNC-RECURRENCE-ID); '' for a non-recurring event. */
    recurrenceId: text('recurrence_id').notNull(),
    instanceStart: text('instance_start').notNull(),
    instanceEnd: text('instance_end').notNull(),
    sourceHref: text('source_href').notNull(),
    sourceEtag: text('source_etag'),
    targetHref: text('target_href').notNull(),
    targetEtag: text('target_etag'),
    /** The copy's UID when it is not the derived one: an adopted earlier copy keeps its own. */
    targetUid: text('target_uid'),
    /** synced | deleted-on-target (the user deleted the copy and TARGET_DELETIONS=respect keeps it so) */
    copyState: text('copy_state').notNull().default('synced'),
    /** SHA-256 of the copy as rendered, volatile properties left out. */
    contentHash: text('content_hash').notNull(),
    lastSeenRun: integer('last_seen_run').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.pairId, t.sourceUid, t.recurrenceId] }),
    index('mappings_target_href').on(t.pairId, t.targetHref),
  ],
);

/** Append-only record of every action and its outcome. */
export const audit = sqliteTable(
  'audit',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: text('at').notNull(),
    runId: integer('run_id').notNull().references(() => runs.id),
    pairId: integer('pair_id').notNull().references(() => pairs.id),
    /** create | update | adopt | delete | discard | propagate | respect | retire | conflict | report | skip */
    action: text('action').notNull(),
    /** ok | failed */
    outcome: text('outcome').notNull(),
    sourceUid: text('source_uid'),
    recurrenceId: text('recurrence_id'),
    sourceHref: text('source_href'),
    targetHref: text('target_href'),
    etagBefore: text('etag_before'),
    etagAfter: text('etag_after'),
    /**
     * The object's iCalendar text before a write changed or deleted it (update, adopt, delete,
     * discard; propagate: the source object), so that `undo` can put it back.
     */
    contentBefore: text('content_before'),
    /** undo: the audit row this one reverts. */
    undoes: integer('undoes'),
    reason: text('reason').notNull(),
  },
  (t) => [index('audit_run').on(t.runId), index('audit_source_uid').on(t.pairId, t.sourceUid)],
);

/** What the tool last knew of each side's calendar, for change detection (RFC 6578 token, getctag). */
export const collectionState = sqliteTable(
  'collection_state',
  {
    pairId: integer('pair_id').notNull().references(() => pairs.id),
    /** source | target */
    side: text('side').notNull(),
    syncToken: text('sync_token'),
    ctag: text('ctag'),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.pairId, t.side] })],
);

/**
 * Every object of each side as last seen: its ETag, the raw source object (so a moving window is
 * re-expanded without refetching), and the markers of a target object (so it is not read again).
 */
export const collectionObjects = sqliteTable(
  'collection_objects',
  {
    pairId: integer('pair_id').notNull().references(() => pairs.id),
    side: text('side').notNull(),
    href: text('href').notNull(),
    etag: text('etag'),
    /** The object's iCalendar text: the source's, and the target's as last read or written (what undo puts back). */
    data: text('data'),
    markerPair: text('marker_pair'),
    markerSourceUid: text('marker_source_uid'),
    markerRecurrenceId: text('marker_recurrence_id'),
    /** The (first) occurrence's [start, end), RFC 3339 UTC (target side; none for a series). */
    instanceStart: text('instance_start'),
    instanceEnd: text('instance_end'),
    /** Target side: what duplicates and earlier copies are recognised by (see ObjectFacts). */
    uid: text('uid'),
    ownRecurrenceId: text('own_recurrence_id'),
    summary: text('summary'),
    recurring: integer('recurring', { mode: 'boolean' }),
    sequence: integer('sequence'),
    createdAt: text('created_at'),
    /** canonicalHash of the object as stored: a copy that is already right is relinked without a write. */
    canonicalHash: text('canonical_hash'),
  },
  (t) => [primaryKey({ columns: [t.pairId, t.side, t.href] })],
);

/**
 * While the prune command runs, it holds a row here: the audit table's delete trigger lets rows go
 * only then, so no other statement can remove audit rows by accident.
 */
export const auditPrunePermit = sqliteTable('audit_prune_permit', {
  grantedAt: text('granted_at').notNull(),
});

/** The run of a pair going now: one at a time. A crashed run's lock is taken over (dead pid, or no heartbeat). */
export const locks = sqliteTable('locks', {
  pairId: integer('pair_id').primaryKey().references(() => pairs.id),
  /** The run holding it, once started. */
  runId: integer('run_id'),
  pid: integer('pid').notNull(),
  host: text('host').notNull(),
  acquiredAt: text('acquired_at').notNull(),
  heartbeatAt: text('heartbeat_at').notNull(),
});

/** A calendar found by discovery, by the settings that named it, so later runs skip discovery. */
export const discoveredCalendars = sqliteTable('discovered_calendars', {
  /** Hash of side, URL, username and calendar setting. */
  settingsKey: text('settings_key').primaryKey(),
  collectionUrl: text('collection_url').notNull(),
  displayName: text('display_name').notNull(),
  discoveredAt: text('discovered_at').notNull(),
});

/**
 * Servers found to want Digest: the next run sends no Basic before the challenge, so a Digest server
 * behind plain http sees the password in Basic form at most once, on the first run.
 */
export const digestLogins = sqliteTable(
  'digest_logins',
  {
    /** The server's origin (scheme, host, port) and the account. */
    origin: text('origin').notNull(),
    username: text('username').notNull(),
    learnedAt: text('learned_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.origin, t.username] })],
);
