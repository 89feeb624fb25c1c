// The guards of a run, against real Radicale: a source that lost its events stops the run before
// any write (until --force-delete); one run per pair at a time, with a lock a dead run cannot keep;
// SIGTERM lets the writes under way finish and be recorded, and the next run completes the rest.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { startServer, type CaldavServer } from './harness/caldav-servers.ts';
import { startCountingProxy } from './harness/counting-proxy.ts';
import { describeCopies } from './harness/describe-copies.ts';
import { runCli, startCli, summaryCounts } from './harness/run-cli.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/caldav/${name}`, import.meta.url), 'utf8');
/** The 7 stand-ups and the holiday of Oct 2026 (see caldav-sync.test.ts). */
const COPIES = 8;

describe('run guards on radicale', () => {
  let server: CaldavServer;
  let work: string;
  let pairs = 0;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'calsync-guards-'));
    server = await startServer('radicale');
  });
  after(async () => {
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  async function newPair(targetVia: (url: string) => string = (url) => url) {
    const n = ++pairs;
    const sourceUrl = await server.createCalendar(`work-${n}`, `Work ${n}`);
    const targetUrl = await server.createCalendar(`mirror-${n}`, `Mirror ${n}`);
    await server.putObject(sourceUrl, 'standup.ics', fixture('standup.ics'));
    await server.putObject(sourceUrl, 'holiday.ics', fixture('holiday.ics'));
    const db = join(work, `sync-${n}.db`);
    const args = (...extra: string[]) => [
      '--source', sourceUrl, '--source-username', server.username, '--target', targetVia(targetUrl), '--target-username', server.username,
      '--from', '2026-10-01', '--to', '2026-11-01', '--db', db, ...extra,
    ];
    const env = { SOURCE_PASSWORD: server.password, TARGET_PASSWORD: server.password };
    return { sourceUrl, targetUrl, db, args, env, sync: (...extra: string[]) => runCli(args(...extra), { env }) };
  }

  test('a source emptied of its events stops the run before any write; --force-delete goes on', async () => {
    const pair = await newPair();
    assert.equal((await pair.sync()).code, 0);
    const before = await server.listObjects(pair.targetUrl);
    await server.deleteObject(pair.sourceUrl, 'standup.ics');
    await server.deleteObject(pair.sourceUrl, 'holiday.ics');
    const guarded = await pair.sync();
    assert.equal(guarded.code, 6, guarded.stdout + guarded.stderr);
    assert.equal(
      guarded.stderr.trim(),
      "error: this run would delete 8 of the pair's 8 copies (100%, all of them); nothing was written. If the source really lost these events, run again with --force-delete; if not, check SOURCE_URL and SOURCE_CALENDAR (see --dry-run for the plan)",
    );
    assert.deepEqual(await server.listObjects(pair.targetUrl), before);
    const state = new Database(pair.db, { readonly: true });
    assert.deepEqual(state.prepare('SELECT outcome, created, deleted FROM runs ORDER BY id DESC LIMIT 1').get(), { outcome: 'guarded', created: 0, deleted: 0 });
    state.close();
    const forced = await pair.sync('--force-delete');
    assert.equal(forced.code, 0, forced.stdout + forced.stderr);
    assert.deepEqual(summaryCounts(forced.stdout), { created: 0, updated: 0, deleted: COPIES, unchanged: 0, retired: 0, skipped: 0, failed: 0 });
    assert.deepEqual(await server.listObjects(pair.targetUrl), []);
  });

  test('a target emptied under TARGET_DELETIONS=propagate stops the run: the source is never emptied through it', async () => {
    const pair = await newPair();
    assert.equal((await pair.sync('--target-deletions', 'propagate')).code, 0);
    const source = await server.listObjects(pair.sourceUrl);
    for (const { href } of await server.listObjects(pair.targetUrl)) await server.deleteObject(pair.targetUrl, href.split('/').pop()!);
    const guarded = await pair.sync('--target-deletions', 'propagate');
    assert.equal(guarded.code, 6, guarded.stdout + guarded.stderr);
    assert.equal(
      guarded.stderr.trim(),
      "error: this run would delete 8 occurrences in the source (their copies are gone from the target, where the pair has 0 left) (100%, all of them); nothing was written. If the copies were deleted on the target on purpose, run again with --force-delete; if not, check TARGET_URL and TARGET_CALENDAR (see --dry-run for the plan)",
    );
    assert.deepEqual(await server.listObjects(pair.sourceUrl), source);
  });

  test('a source listing that fails is an error, never an empty calendar: exit 5 and nothing written', async () => {
    const proxy = await startCountingProxy(server.baseUrl);
    try {
      const n = pairs + 1;
      const pair = await newPair();
      assert.equal((await pair.sync()).code, 0);
      const before = await server.listObjects(pair.targetUrl);
      const viaProxy = pair.args().map((arg) => (arg.includes(`/work-${n}/`) ? new URL(new URL(arg).pathname, proxy.url).href : arg));
      // The connection breaks before the source's listing arrives.
      proxy.onAnswer = ({ method }) => (method === 'REPORT' ? 'drop' : undefined);
      const failed = await runCli(viaProxy, { env: pair.env });
      assert.equal(failed.code, 5, failed.stdout + failed.stderr);
      assert.equal(failed.stdout, '');
      // Tried RETRY_ATTEMPTS (4) times, as a connection dropped once may not be dropped again.
      const listed = new URL(viaProxy[viaProxy.indexOf('--source') + 1]).pathname;
      assert.equal(failed.stderr, `error: cannot reach the source server ${new URL(proxy.url).origin}: socket hang up (REPORT ${listed}, 4 attempts); check the source URL and that the server is running\n`);
      assert.deepEqual(await server.listObjects(pair.targetUrl), before);
      const state = new Database(pair.db, { readonly: true });
      assert.deepEqual(state.prepare('SELECT outcome, deleted FROM runs ORDER BY id DESC LIMIT 1').get(), { outcome: 'failed', deleted: 0 });
      state.close();
    } finally {
      await proxy.close();
    }
  });

  test('a second run of the same pair exits at once while the first holds the lock; a dead run\'s lock is taken over', async () => {
    const pair = await newPair();
    assert.equal((await pair.sync()).code, 0);
    const state = new Database(pair.db);
    const { id: pairId } = state.prepare('SELECT id FROM pairs').get() as { id: number };
    const lockedAt = new Date().toISOString();
    // A live process of this host holds the lock: this test's own.
    state.prepare('INSERT INTO locks (pair_id, run_id, pid, host, acquired_at, heartbeat_at) VALUES (?, NULL, ?, ?, ?, ?)').run(pairId, process.pid, hostname(), lockedAt, lockedAt);
    const refused = await pair.sync();
    assert.equal(refused.code, 7, refused.stdout + refused.stderr);
    assert.equal(
      refused.stderr.trim(),
      `error: another run of this pair is going (process ${process.pid} on ${hostname()}, since ${lockedAt}); wait for it to finish. If that process no longer exists, the lock is taken over 5 minutes after its last heartbeat`,
    );
    assert.equal(refused.stdout, '');
    // The holder dies without letting go: a process that has exited.
    const deadPid = Number(execFileSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).trim());
    state.prepare('UPDATE locks SET pid = ? WHERE pair_id = ?').run(deadPid, pairId);
    const takenOver = await pair.sync();
    assert.equal(takenOver.code, 0, takenOver.stdout + takenOver.stderr);
    assert.deepEqual(summaryCounts(takenOver.stdout), { created: 0, updated: 0, deleted: 0, unchanged: COPIES, retired: 0, skipped: 0, failed: 0 });
    assert.deepEqual(state.prepare('SELECT COUNT(*) AS held FROM locks').get(), { held: 0 });
    state.close();
  });

  test('SIGTERM during the writes: those under way finish and are recorded, the run exits 143, the next one completes', async () => {
    const proxy = await startCountingProxy(server.baseUrl);
    try {
      const pair = await newPair((url) => new URL(new URL(url).pathname, proxy.url).href);
      const cli = startCli(pair.args('--concurrency', '1'), { env: pair.env });
      proxy.onAnswer = async ({ method }) => {
        if (method !== 'PUT') return;
        proxy.onAnswer = undefined;
        cli.child.kill('SIGTERM');
        await new Promise((resolve) => setTimeout(resolve, 500)); // the signal is handled before the answer arrives
      };
      const stopped = await cli.done;
      assert.equal(stopped.code, 143, stopped.stdout + stopped.stderr);
      assert.deepEqual(summaryCounts(stopped.stdout), { created: 1, updated: 0, deleted: 0, unchanged: 0, retired: 0, skipped: 0, failed: 0 });
      assert.match(stopped.stderr, /warning: stopped by SIGTERM: 7 actions were not done; the next run does them/);
      const state = new Database(pair.db, { readonly: true });
      assert.deepEqual(state.prepare('SELECT outcome, created FROM runs').get(), { outcome: 'interrupted', created: 1 });
      assert.deepEqual(state.prepare("SELECT COUNT(*) AS n FROM audit WHERE action = 'create' AND outcome = 'ok'").get(), { n: 1 });
      state.close();
      const rest = await pair.sync();
      assert.equal(rest.code, 0, rest.stdout + rest.stderr);
      assert.deepEqual(summaryCounts(rest.stdout), { created: COPIES - 1, updated: 0, deleted: 0, unchanged: 1, retired: 0, skipped: 0, failed: 0 });
      const copies = describeCopies(await server.listObjects(pair.targetUrl));
      assert.equal(copies.length, COPIES);
      assert.equal(new Set(copies).size, COPIES);
    } finally {
      await proxy.close();
    }
  });
});
