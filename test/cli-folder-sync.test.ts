// The CLI with no server at all: the bundled example (or a small file) synced into a folder.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, beforeEach, test } from 'node:test';
import Database from 'better-sqlite3';
import { describeCopies } from './harness/describe-copies.ts';
import { runCli, summaryCounts } from './harness/run-cli.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const example = join(repo, 'examples', 'team-calendar.ics');
const DECEMBER = ['--from', '2026-12-01', '--to', '2027-01-01'];

/** examples/team-calendar.ics in December 2026, worked out by hand (Berlin is UTC+1 in December). */
const DECEMBER_COPIES = [
  'monthly-planning@example.org 20261214T130000Z | Monthly planning | 20261214T140000[Europe/Berlin] | 20261214T160000[Europe/Berlin]',
  'office-closed@example.org | Office closed | 20261224 | 20261227',
  'sprint-review@example.org 20261211T150000Z | Sprint review | 20261211T150000Z | DURATION PT1H',
  'sprint-review@example.org 20261225T150000Z | Sprint review | 20261225T150000Z | DURATION PT1H',
  ...['02', '07', '09', '11', '14', '16', '18', '21', '23', '28', '30'].map(
    (day) => `weekly-standup@example.org 202612${day}T083000Z | Team stand-up | 202612${day}T093000[Europe/Berlin] | 202612${day}T094500[Europe/Berlin]`,
  ),
  'weekly-standup@example.org 20261204T083000Z | Team stand-up (moved: all-hands first) | 20261204T110000[Europe/Berlin] | 20261204T113000[Europe/Berlin]',
].sort();

let work: string;
let mirror: string;
let db: string;
const folderCopies = () => describeCopies(readdirSync(mirror).map((name) => ({ data: readFileSync(join(mirror, name), 'utf8') })));
const syncExample = (...extra: string[]) => runCli(['--source', example, '--target', mirror, '--db', db, ...DECEMBER, ...extra]);

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'calsync-folder-'));
  mirror = join(work, 'mirror');
  db = join(work, 'sync.db');
});
after(() => rmSync(work, { recursive: true, force: true }));

test("the README's first command syncs the bundled example into a folder, exactly", async () => {
  const run = await runCli(['--source', 'examples/team-calendar.ics', '--target', mirror, '--db', db, ...DECEMBER], { cwd: repo });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr, '');
  assert.deepEqual(summaryCounts(run.stdout), { created: 16, updated: 0, deleted: 0, unchanged: 0, retired: 0, skipped: 0, failed: 0 });
  assert.deepEqual(folderCopies(), DECEMBER_COPIES);
  assert.equal(readdirSync(mirror).every((name) => /^calsync-[0-9a-f]{32}\.ics$/.test(name)), true);
});

test('a rerun with nothing changed rewrites no file', async () => {
  await syncExample();
  const before = readdirSync(mirror).map((name) => [name, statSync(join(mirror, name)).mtimeMs, readFileSync(join(mirror, name), 'utf8')]);
  const run = await syncExample();
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(summaryCounts(run.stdout), { created: 0, updated: 0, deleted: 0, unchanged: 16, retired: 0, skipped: 0, failed: 0 });
  assert.deepEqual(readdirSync(mirror).map((name) => [name, statSync(join(mirror, name)).mtimeMs, readFileSync(join(mirror, name), 'utf8')]), before);
});

test('--dry-run prints the plan and writes nothing, not even the state file', async () => {
  const run = await syncExample('--dry-run');
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout.split('\n').filter((line) => / would create /.test(line)).length, 16);
  assert.match(run.stdout, /dry run, nothing written: 16 created/);
  assert.equal(existsSync(mirror), false);
  assert.equal(existsSync(db), false);
});

test('a copy deleted or edited in the target folder is put back from the source', async () => {
  await syncExample();
  const [first, second] = readdirSync(mirror).sort();
  unlinkSync(join(mirror, first));
  writeFileSync(join(mirror, second), readFileSync(join(mirror, second), 'utf8').replace(/SUMMARY:.*/, 'SUMMARY:edited by hand'));
  const run = await syncExample();
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(summaryCounts(run.stdout), { created: 1, updated: 1, deleted: 0, unchanged: 14, retired: 0, skipped: 0, failed: 0 });
  assert.deepEqual(folderCopies(), DECEMBER_COPIES);
});

test('when the window moves on, copies that left it stay and only their mappings retire', async () => {
  await syncExample();
  const run = await runCli(['--source', example, '--target', mirror, '--db', db, '--from', '2027-01-01', '--to', '2027-01-08']);
  assert.equal(run.code, 0, run.stderr);
  // January 1-7, 2027: stand-ups on Fri 1, Mon 4, Wed 6; the next sprint review is Jan 8, outside.
  // All 16 December copies ended before the new window: they retire, and none is deleted.
  assert.deepEqual(summaryCounts(run.stdout), { created: 3, updated: 0, deleted: 0, unchanged: 0, retired: 16, skipped: 0, failed: 0 });
  assert.equal(readdirSync(mirror).length, 19);
});

test('an event that cannot be expanded is reported by UID, the rest still syncs, and the exit code says so', async () => {
  const source = join(work, 'broken.ics');
  writeFileSync(
    source,
    [
      'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN',
      'BEGIN:VEVENT', 'UID:good@test', 'DTSTAMP:20260101T000000Z', 'DTSTART:20261210T100000Z', 'DTEND:20261210T110000Z', 'SUMMARY:Good', 'END:VEVENT',
      'BEGIN:VEVENT', 'UID:no-start@test', 'DTSTAMP:20260101T000000Z', 'SUMMARY:No start', 'END:VEVENT',
      'END:VCALENDAR', '',
    ].join('\r\n'),
  );
  const run = await runCli(['--source', source, '--target', mirror, '--db', db, ...DECEMBER]);
  assert.equal(run.code, 1);
  assert.deepEqual(summaryCounts(run.stdout), { created: 1, updated: 0, deleted: 0, unchanged: 0, retired: 0, skipped: 1, failed: 0 });
  assert.match(run.stdout, /skip +no-start@test \(source event no-start@test it has no DTSTART; skipped, its copies are left as they are\)/);
  assert.deepEqual(folderCopies(), ['good@test | Good | 20261210T100000Z | 20261210T110000Z']);
});

test('the state file is private, and the audit log records each action with an RFC 3339 time and cannot be rewritten', async () => {
  await syncExample();
  assert.equal(statSync(db).mode & 0o777, 0o600);
  const state = new Database(db);
  try {
    const rows = state.prepare('SELECT at, action, outcome, run_id, source_uid, target_href FROM audit').all() as Array<Record<string, string | number>>;
    assert.equal(rows.length, 16);
    for (const row of rows) {
      assert.match(String(row.at), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
      assert.equal(row.action, 'create');
      assert.equal(row.outcome, 'ok');
      assert.equal(row.run_id, 1);
      assert.equal(existsSync(join(mirror, String(row.target_href))), true);
    }
    const runRow = state.prepare('SELECT outcome, created, window_start, window_end FROM runs').get();
    assert.deepEqual(runRow, { outcome: 'success', created: 16, window_start: '2026-12-01T00:00:00Z', window_end: '2027-01-01T00:00:00Z' });
    assert.equal((state.prepare('SELECT count(*) AS n FROM mappings').get() as { n: number }).n, 16);
    assert.throws(() => state.prepare("UPDATE audit SET reason = 'x'").run(), /append-only/);
    assert.throws(() => state.prepare('DELETE FROM audit').run(), /append-only/);
  } finally {
    state.close();
  }
});

test('the Python tool\'s NEXTCLOUD_/KERIO_ keys in config.env mean source and target', async () => {
  const config = join(work, 'config.env');
  writeFileSync(config, `NEXTCLOUD_URL=${example}\nKERIO_URL=mirror\nSYNC_WINDOW_PAST_DAYS=0\nSYNC_WINDOW_FUTURE_DAYS=400\n`);
  const run = await runCli(['--config', config, '--from', '2026-12-01', '--to', '2027-01-01']);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(folderCopies(), DECEMBER_COPIES);
  assert.equal(existsSync(join(work, 'sync.db')), true, 'the state file defaults to sync.db beside the config');
});

test('missing settings are all reported at once, one line each, with exit code 3', async () => {
  const run = await runCli(['--from', 'yesterday']);
  assert.equal(run.code, 3);
  assert.equal(
    run.stderr,
    [
      'error: SOURCE_URL is not set; give --source or set SOURCE_URL in the config file',
      'error: TARGET_URL is not set; give --target or set TARGET_URL in the config file',
      'error: --from "yesterday" is not a date (2026-10-01) or an RFC 3339 time with its offset (2026-10-01T09:00:00Z)',
      '',
    ].join('\n'),
  );
});

test('an unreachable server is one clear line and exit code 5, with nothing written', async () => {
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
  const run = await runCli(['--source', `http://127.0.0.1:${port}/dav/`, '--target', mirror, '--db', db]);
  assert.equal(run.code, 5);
  assert.equal(run.stderr, `error: cannot reach the source server http://127.0.0.1:${port}: connection refused (PROPFIND /dav/, 4 attempts); check the source URL and that the server is running\n`);
  assert.equal(existsSync(mirror), false);
});

test('an http .ics feed is a read-only source, read with the configured credentials', async () => {
  const seen: string[] = [];
  const feed = createHttpServer((request, response) => {
    seen.push(`${request.method} ${request.url} ${request.headers.authorization ?? '-'}`);
    response.writeHead(200, { 'content-type': 'text/calendar' }).end(readFileSync(example));
  });
  await new Promise<void>((resolve) => feed.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = feed.address() as { port: number };
    const run = await runCli(['--source', `http://127.0.0.1:${port}/team.ics`, '--source-username', 'ana', '--target', mirror, '--db', db, ...DECEMBER], {
      env: { SOURCE_PASSWORD: 'secret' },
    });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(folderCopies(), DECEMBER_COPIES);
    assert.deepEqual(seen, [`GET /team.ics Basic ${Buffer.from('ana:secret').toString('base64')}`]);
    assert.doesNotMatch(run.stdout + run.stderr, /secret/);
  } finally {
    feed.close();
  }
});

test('a series shortened and an event moved out of the window by an edit lose their copies', async () => {
  const source = join(work, 'calendar.ics');
  const calendar = (series: string, single: string) =>
    ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN',
      'BEGIN:VEVENT', 'UID:daily@test', 'DTSTAMP:20260101T000000Z', 'DTSTART:20261201T080000Z', 'DTEND:20261201T083000Z', series, 'SUMMARY:Daily', 'END:VEVENT',
      'BEGIN:VEVENT', 'UID:single@test', 'DTSTAMP:20260101T000000Z', `DTSTART:${single}T100000Z`, `DTEND:${single}T110000Z`, 'SUMMARY:Single', 'END:VEVENT',
      'END:VCALENDAR', ''].join('\r\n');
  writeFileSync(source, calendar('RRULE:FREQ=DAILY;COUNT=5', '20261210'));
  const first = await runCli(['--source', source, '--target', mirror, '--db', db, ...DECEMBER]);
  assert.deepEqual(summaryCounts(first.stdout), { created: 6, updated: 0, deleted: 0, unchanged: 0, retired: 0, skipped: 0, failed: 0 });
  writeFileSync(source, calendar('RRULE:FREQ=DAILY;UNTIL=20261202T080000Z', '20270310'));
  // 4 of 6 copies go, which the deletion guard stops by default (its own tests are elsewhere).
  const second = await runCli(['--source', source, '--target', mirror, '--db', db, ...DECEMBER, '--force-delete']);
  assert.equal(second.code, 0, second.stderr);
  assert.deepEqual(summaryCounts(second.stdout), { created: 0, updated: 0, deleted: 4, unchanged: 2, retired: 0, skipped: 0, failed: 0 });
  assert.deepEqual(folderCopies(), [
    'daily@test 20261201T080000Z | Daily | 20261201T080000Z | 20261201T083000Z',
    'daily@test 20261202T080000Z | Daily | 20261202T080000Z | 20261202T083000Z',
  ]);
});

test('a state database that cannot be opened is one clear line', async () => {
  const run = await runCli(['--source', example, '--target', mirror, '--db', join(work, 'no-such-folder', 'sync.db')]);
  assert.equal(run.code, 3);
  assert.match(run.stderr, /^error: cannot open the state database .*no-such-folder\/sync\.db: .*; check SYNC_DB\n$/);
});
