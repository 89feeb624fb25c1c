// One run per pair at a time. The lock is a row in the state database, taken in a write
// transaction; a run that died (its process is gone, or it stopped beating) cannot hold it.
import { hostname } from 'node:os';
import { and, eq } from 'drizzle-orm';
import { EXIT, UserError } from '../lib/errors.ts';
import type { StateDatabase } from './open-database.ts';
import { locks } from './schema.ts';

const HEARTBEAT_MS = 30_000;
/** A lock not renewed for this long belongs to a run that is gone (another host, or a frozen process). */
export const STALE_AFTER_MS = 5 * 60_000;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class RunLock {
  private readonly timer: NodeJS.Timeout;

  private constructor(
    private readonly db: StateDatabase,
    private readonly pairId: number,
  ) {
    this.timer = setInterval(() => this.beat(), HEARTBEAT_MS);
    this.timer.unref();
  }

  /** Takes the pair's lock, taking over one left by a run that died; a live run's lock is refused. */
  static acquire(db: StateDatabase, pairId: number, now = Date.now()): RunLock {
    const host = hostname();
    const row = { pairId, runId: null, pid: process.pid, host, acquiredAt: new Date(now).toISOString(), heartbeatAt: new Date(now).toISOString() };
    db.transaction(
      (tx) => {
        const held = tx.select().from(locks).where(eq(locks.pairId, pairId)).get();
        if (held) {
          const dead = held.host === host ? !isAlive(held.pid) || held.pid === process.pid : false;
          const stale = now - Date.parse(held.heartbeatAt) > STALE_AFTER_MS;
          if (!dead && !stale) {
            throw new UserError(
              `another run of this pair is going (process ${held.pid} on ${held.host}, since ${held.acquiredAt}); wait for it to finish. ` +
                `If that process no longer exists, the lock is taken over ${STALE_AFTER_MS / 60_000} minutes after its last heartbeat`,
              EXIT.locked,
            );
          }
          tx.delete(locks).where(eq(locks.pairId, pairId)).run();
        }
        tx.insert(locks).values(row).run();
      },
      { behavior: 'immediate' },
    );
    return new RunLock(db, pairId);
  }

  attachRun(runId: number): void {
    this.db.update(locks).set({ runId }).where(eq(locks.pairId, this.pairId)).run();
  }

  private beat(): void {
    this.db.update(locks).set({ heartbeatAt: new Date().toISOString() }).where(eq(locks.pairId, this.pairId)).run();
  }

  /** Gives the lock back, unless another run took it over meanwhile (this one had stopped beating). */
  release(): void {
    clearInterval(this.timer);
    this.db.delete(locks).where(and(eq(locks.pairId, this.pairId), eq(locks.pid, process.pid), eq(locks.host, hostname()))).run();
  }
}
