// Several pairs in one state database, one config file each with its PAIR_NAME (as the systemd
// template runs them): each pair has its own state, copies and lock, status and log tell them apart,
// and a name cannot be given to two pairs. Passwords come from a file and from a command.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { startServer, type CaldavServer } from './harness/caldav-servers.ts';
import { describeCopies } from './harness/describe-copies.ts';
import { HOLIDAY_COPY } from './harness/fixture-copies.ts';
import { runCli, summaryCounts } from './harness/run-cli.ts';

const example = fileURLToPath(new URL('../examples/team-calendar.ics', import.meta.url));
const DECEMBER = ['--from', '2026-12-01', '--to', '2027-01-01'];
/** examples/team-calendar.ics has 16 occurrences in December 2026 (see cli-folder-sync.test.ts). */
const DECEMBER_OCCURRENCES = 16;

let work: string;
let db: string;
/** A config file for one pair: the bundled example into its own folder, all pairs in one database. */
const pairConfig = (name: string, folder: string, file = `${name}.env`) => {
  const path = join(work, file);
  writeFileSync(path, [`PAIR_NAME=${name}`, `SOURCE_URL=${example}`, `TARGET_URL=${join(work, folder)}`, `SYNC_DB=${db}`, ''].join('\n'), { mode: 0o600 });
  return path;
};
const run = (...args: string[]) => runCli([...args]);

before(() => {
  work = mkdtempSync(join(tmpdir(), 'calsync-pairs-'));
  db = join(work, 'sync.db');
});
after(() => rmSync(work, { recursive: true, force: true }));

test('two pairs sync into one database, each with its own copies; status and log show each by its name', async () => {
  for (const [name, folder] of [['work', 'work-mirror'], ['home', 'home-mirror']]) {
    const sync = await run('--config', pairConfig(name, folder), ...DECEMBER);
    assert.equal(sync.code, 0, sync.stdout + sync.stderr);
    assert.deepEqual(summaryCounts(sync.stdout), { created: DECEMBER_OCCURRENCES, updated: 0, deleted: 0, unchanged: 0, retired: 0, skipped: 0, failed: 0 });
    assert.equal(readdirSync(join(work, folder)).length, DECEMBER_OCCURRENCES);
  }
  const status = await run('status', '--config', join(work, 'work.env'));
  assert.equal(status.code, 0, status.stderr);
  const heads = status.stdout.split('\n').filter((line) => line.startsWith('pair '));
  assert.equal(heads.length, 2, status.stdout);
  assert.match(heads[0], new RegExp(`^pair work \\([0-9a-f]{12}\\): file:${example} -> folder:${join(work, 'work-mirror')}$`));
  assert.match(heads[1], new RegExp(`^pair home \\([0-9a-f]{12}\\): file:${example} -> folder:${join(work, 'home-mirror')}$`));
  const onlyHome = await run('status', '--db', db, '--pair', 'home', '--json');
  assert.deepEqual(JSON.parse(onlyHome.stdout).map((s: { name: string; copies: unknown }) => [s.name, s.copies]), [['home', { synced: DECEMBER_OCCURRENCES, keptDeleted: 0 }]]);
  const homeLog = await run('log', '--db', db, '--pair', 'home', '--json', '--limit', '1000');
  const rows = homeLog.stdout.trim().split('\n').map((line) => JSON.parse(line));
  assert.equal(rows.length, DECEMBER_OCCURRENCES);
  assert.ok(rows.every((row) => row.targetHref.startsWith('calsync-') && row.run === 2), homeLog.stdout);
  const unknown = await run('status', '--db', db, '--pair', 'office');
  assert.equal(unknown.code, 3);
  assert.equal(unknown.stderr, 'error: no pair is named office in this state database; run status without --pair to see them all\n');
});

test('a pair name is one pair\'s only: a config that gives it to other calendars is refused before anything is written', async () => {
  const clash = await run('--config', pairConfig('work', 'other-mirror', 'other.env'), ...DECEMBER);
  assert.equal(clash.code, 3, clash.stdout + clash.stderr);
  assert.equal(clash.stderr, `error: PAIR_NAME=work already names another pair in this state database (file:${example} -> folder:${join(work, 'work-mirror')}); give this pair another name\n`);
  assert.deepEqual(readdirSync(work).includes('other-mirror'), false);
});

test("each pair has its own lock: one pair's run going on does not stop the other's", async () => {
  const state = new Database(db);
  const pairId = (state.prepare("SELECT id FROM pairs WHERE name = 'work'").get() as { id: number }).id;
  const now = new Date().toISOString();
  // A live process (this test) holds the work pair's lock.
  state.prepare('INSERT INTO locks (pair_id, run_id, pid, host, acquired_at, heartbeat_at) VALUES (?, NULL, ?, ?, ?, ?)').run(pairId, process.pid, hostname(), now, now);
  try {
    const home = await run('--config', join(work, 'home.env'), ...DECEMBER);
    assert.equal(home.code, 0, home.stdout + home.stderr);
    assert.deepEqual(summaryCounts(home.stdout), { created: 0, updated: 0, deleted: 0, unchanged: DECEMBER_OCCURRENCES, retired: 0, skipped: 0, failed: 0 });
    const workRun = await run('--config', join(work, 'work.env'), ...DECEMBER);
    assert.equal(workRun.code, 7, workRun.stdout + workRun.stderr);
  } finally {
    state.prepare('DELETE FROM locks WHERE pair_id = ?').run(pairId);
    state.close();
  }
});

test('passwords from a file (systemd credentials) and from a command (a password manager) log in to a real server', async () => {
  let server: CaldavServer | undefined;
  try {
    server = await startServer('radicale');
    const source = await server.createCalendar('work', 'Work');
    const target = await server.createCalendar('mirror', 'Mirror');
    await server.putObject(source, 'holiday.ics', readFileSync(new URL('./fixtures/caldav/holiday.ics', import.meta.url), 'utf8'));
    writeFileSync(join(work, 'source-password'), `${server.password}\n`, { mode: 0o600 });
    const config = join(work, 'caldav.env');
    writeFileSync(
      config,
      [
        `SOURCE_URL=${source}`,
        `SOURCE_USERNAME=${server.username}`,
        'SOURCE_PASSWORD_FILE=source-password',
        `TARGET_URL=${target}`,
        `TARGET_USERNAME=${server.username}`,
        `TARGET_PASSWORD_COMMAND=printf '%s\\n' '${server.password}'`,
        `SYNC_DB=${join(work, 'caldav.db')}`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    const sync = await run('--config', config, '--from', '2026-10-01', '--to', '2026-11-01');
    assert.equal(sync.code, 0, sync.stdout + sync.stderr);
    assert.deepEqual(summaryCounts(sync.stdout), { created: 1, updated: 0, deleted: 0, unchanged: 0, retired: 0, skipped: 0, failed: 0 });
    assert.deepEqual(describeCopies(await server.listObjects(target)), [HOLIDAY_COPY]);
  } finally {
    await server?.stop();
  }
});
