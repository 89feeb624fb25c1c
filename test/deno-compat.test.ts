// The design asks for a script that runs under Deno as under Node. Under Deno the state database is
// node:sqlite behind db/node-sqlite-adapter.ts instead of better-sqlite3, so the same sync is run by
// each runtime into its own target calendar of one Radicale, and the two must come out identical.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { startServer, type CaldavServer } from './harness/caldav-servers.ts';
import { describeCopies } from './harness/describe-copies.ts';
import { FIRST_SYNC_COPIES, FOREIGN_OBJECT } from './harness/fixture-copies.ts';
import { childEnv, denoBinary, runCli, runOnCalendars, summaryCounts, summaryRequests, type Runtime } from './harness/run-cli.ts';
import { exerciseClient } from './harness/sqlite-client-exercise.ts';

// Never skipped: Deno is a devDependency, so a machine without it was not set up with npm ci.
if (!existsSync(denoBinary)) throw new Error(`Deno is missing (${denoBinary}): it is a devDependency, so run npm ci`);

const fixture = (name: string) => readFileSync(new URL(`./fixtures/caldav/${name}`, import.meta.url), 'utf8');

const FIRST_COUNTS = { created: 13, updated: 0, deleted: 0, unchanged: 0, retired: 0, skipped: 0, failed: 0 };
const NOTHING_TO_DO = { created: 0, updated: 0, deleted: 0, unchanged: 13, retired: 0, skipped: 0, failed: 0 };

/** The objects' text without what names their pair (UID, X-CALSYNC-PAIR): it differs by target calendar. */
const withoutPair = (objects: Array<{ data: string }>) => objects.map(({ data }) => data.replace(/^(UID|X-CALSYNC-PAIR):.*\r?\n/gm, '')).sort();

test('node:sqlite behind the adapter answers what drizzle asks as better-sqlite3 does', async () => {
  const script = fileURLToPath(new URL('./harness/sqlite-client-exercise.ts', import.meta.url));
  const { stdout } = await promisify(execFile)(denoBinary, ['run', '-A', script], { env: childEnv() });
  const betterSqlite3 = exerciseClient(new Database(':memory:'));
  assert.deepEqual(JSON.parse(stdout), betterSqlite3);
  assert.deepEqual(betterSqlite3, {
    run: { changes: 1, lastInsertRowid: 1 },
    undefinedIsNull: { v: null },
    rawJoin: [[1, 1, 'plain']],
    rawGetMissing: 'undefined',
    rolledBack: 'undo this',
    inner: 'undo the inner one only',
    nested: 'done',
    names: [['plain'], ['committed'], ['outer kept']],
    objects: [{ name: 'plain' }, { name: 'committed' }, { name: 'outer kept' }],
  });
});

describe('the same sync under Node and under Deno', () => {
  let server: CaldavServer;
  let work: string;
  let source: string;
  const targets: Record<Runtime, string> = { node: '', deno: '' };
  const dbOf = (runtime: Runtime) => join(work, `${runtime}.db`);
  const sync = (runtime: Runtime) => runOnCalendars({ server, source, target: targets[runtime], db: dbOf(runtime) }, [], runtime);

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'calsync-deno-'));
    server = await startServer('radicale');
    source = await server.createCalendar('work', 'Work');
    targets.node = await server.createCalendar('node-mirror', 'Node mirror');
    targets.deno = await server.createCalendar('deno-mirror', 'Deno mirror');
    for (const name of ['standup.ics', 'holiday.ics', 'review.ics', 'ny-call.ics', 'later.ics', 'task.ics']) {
      await server.putObject(source, name, fixture(name));
    }
    for (const target of Object.values(targets)) await server.putObject(target, 'foreign.ics', fixture('foreign.ics'));
  });
  after(async () => {
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test('Deno writes the same copies as Node, with the same requests', async () => {
    const node = await sync('node');
    assert.equal(node.code, 0, node.stderr);
    assert.deepEqual(summaryCounts(node.stdout), FIRST_COUNTS);
    const deno = await sync('deno');
    assert.equal(deno.code, 0, deno.stderr);
    assert.equal(deno.stderr, '');
    assert.deepEqual(summaryCounts(deno.stdout), FIRST_COUNTS);
    assert.deepEqual(summaryRequests(deno.stdout), summaryRequests(node.stdout));
    const nodeObjects = await server.listObjects(targets.node);
    const denoObjects = await server.listObjects(targets.deno);
    assert.deepEqual(describeCopies(denoObjects), [...FIRST_SYNC_COPIES, FOREIGN_OBJECT].sort());
    assert.deepEqual(describeCopies(nodeObjects), describeCopies(denoObjects));
    assert.deepEqual(withoutPair(denoObjects), withoutPair(nodeObjects));
  });

  test("under Deno a run meets another run's lock and stops, leaving the state as it was", async () => {
    // A lock held by this test process, which is alive: the run refuses it inside an immediate write
    // transaction, the adapter's path that ends in an error thrown through it.
    const state = new Database(dbOf('deno'));
    const lockedAt = new Date().toISOString();
    state.prepare('INSERT INTO locks (pair_id, run_id, pid, host, acquired_at, heartbeat_at) VALUES (1, NULL, ?, ?, ?, ?)').run(process.pid, hostname(), lockedAt, lockedAt);
    const runsBefore = state.prepare('SELECT * FROM runs ORDER BY id').all();
    try {
      const locked = await sync('deno');
      assert.equal(locked.code, 7, locked.stdout);
      assert.match(locked.stderr, new RegExp(`^error: another run of this pair is going \\(process ${process.pid} on `, 'm'));
      assert.deepEqual(state.prepare('SELECT * FROM runs ORDER BY id').all(), runsBefore);
      assert.deepEqual(state.prepare('SELECT pid, acquired_at FROM locks').all(), [{ pid: process.pid, acquired_at: lockedAt }]);
    } finally {
      state.prepare('DELETE FROM locks').run();
      state.close();
    }
  });

  test('a second Deno run writes nothing', async () => {
    const before = await server.listObjects(targets.deno);
    const run = await sync('deno');
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(summaryCounts(run.stdout), NOTHING_TO_DO);
    assert.deepEqual(summaryRequests(run.stdout), { REPORT: 2 });
    assert.deepEqual(await server.listObjects(targets.deno), before);
  });

  test('status under Deno reads the state Deno wrote, exactly as Node reads it', async () => {
    for (const format of [['--json'], []]) {
      const deno = await runCli(['status', ...format, '--db', dbOf('deno')], { runtime: 'deno' });
      const node = await runCli(['status', ...format, '--db', dbOf('deno')]);
      assert.equal(deno.code, 0, deno.stderr);
      assert.equal(node.code, 0, node.stderr);
      assert.equal(deno.stdout, node.stdout);
    }
    const json = await runCli(['status', '--json', '--db', dbOf('deno')], { runtime: 'deno' });
    const [pair, ...others] = JSON.parse(json.stdout);
    assert.deepEqual(others, []);
    assert.deepEqual(pair.copies, { synced: 13, keptDeleted: 0 });
    assert.deepEqual(
      pair.runs.map((run: Record<string, unknown>) => [run.id, run.command, run.outcome, run.created, run.unchanged, run.failed]),
      [
        [2, 'sync', 'success', 0, 13, 0],
        [1, 'sync', 'success', 13, 0, 0],
      ],
    );
    assert.deepEqual(pair.pending, []);
    assert.equal(pair.lock, null);
  });

  test('Node carries on with the state Deno wrote, and has nothing to do', async () => {
    const before = await server.listObjects(targets.deno);
    const run = await runOnCalendars({ server, source, target: targets.deno, db: dbOf('deno') }, []);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(summaryCounts(run.stdout), NOTHING_TO_DO);
    assert.deepEqual(summaryRequests(run.stdout), { REPORT: 2 });
    assert.deepEqual(await server.listObjects(targets.deno), before);
  });
});
