// prune removes exactly the audit rows older than its age, and only through its permit: a real
// SQLite state database, no server.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pruneAudit } from '../commands/prune-audit.ts';
import { openDatabase } from '../db/open-database.ts';
import { SyncState } from '../db/sync-state.ts';

const DAY_MS = 86_400_000;

test('rows older than the age go, younger ones stay, and the permit is gone afterwards', () => {
  const work = mkdtempSync(join(tmpdir(), 'calsync-prune-'));
  const db = openDatabase(join(work, 'sync.db'));
  try {
    const state = SyncState.forPair(db, 'pair0000aaaa', 'source', 'target');
    const run = state.startRun({ start: '2026-10-01T00:00:00Z', end: '2026-11-01T00:00:00Z' });
    for (const reason of ['first', 'second', 'third']) state.recordOnly(run, { action: 'skip', outcome: 'failed', reason });
    const written = Date.now();
    assert.deepEqual(pruneAudit(db, 30, written + 29 * DAY_MS).removed, 0);
    const { removed, before } = pruneAudit(db, 30, written + 31 * DAY_MS);
    assert.equal(removed, 3);
    assert.equal(before, new Date(written + DAY_MS).toISOString());
    state.recordOnly(run, { action: 'skip', outcome: 'failed', reason: 'fourth' });
    assert.deepEqual(db.$client.prepare('SELECT reason FROM audit').all(), [{ reason: 'fourth' }]);
    assert.deepEqual(db.$client.prepare('SELECT count(*) AS n FROM audit_prune_permit').get(), { n: 0 });
    assert.throws(() => db.$client.prepare('DELETE FROM audit').run(), /append-only/);
  } finally {
    db.$client.close();
    rmSync(work, { recursive: true, force: true });
  }
});
