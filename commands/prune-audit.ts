// `prune --older-than DAYS`: the only way audit rows go, asked for by name and with an age. The
// delete trigger lets rows go only while this holds its permit row, inside one transaction.
import { lt } from 'drizzle-orm';
import type { StateDatabase } from '../db/open-database.ts';
import { audit, auditPrunePermit } from '../db/schema.ts';

const DAY_MS = 86_400_000;

/** Deletes the audit rows older than `days` days; returns how many and the cut-off (RFC 3339). */
export function pruneAudit(db: StateDatabase, days: number, now = Date.now()): { removed: number; before: string } {
  const before = new Date(now - days * DAY_MS).toISOString();
  const removed = db.transaction((tx) => {
    tx.insert(auditPrunePermit).values({ grantedAt: new Date(now).toISOString() }).run();
    const result = tx.delete(audit).where(lt(audit.at, before)).run();
    tx.delete(auditPrunePermit).run();
    return result.changes;
  });
  return { removed, before };
}
