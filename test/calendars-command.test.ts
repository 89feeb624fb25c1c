// `calendars` against a real Radicale: every calendar of each account with its URL and components,
// the one the settings select marked, and the sync's own one-line errors when a login or a server fails.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startServer, type CaldavServer } from './harness/caldav-servers.ts';
import { runCli } from './harness/run-cli.ts';

let server: CaldavServer;
let work: string;
/** The server's root URL, as the listing shows it. */
let base: string;
const passwords = () => ({ SOURCE_PASSWORD: server.password, TARGET_PASSWORD: server.password });

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'calsync-calendars-'));
  server = await startServer('radicale');
  base = server.baseUrl;
  await server.createCalendar('work', 'Work');
  await server.createCalendar('mirror', 'Mirror');
  await server.createCalendar('tasks', 'Tasks', ['VTODO']);
});
after(async () => {
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** The three calendars of the account, marked as `marks` says (by name). */
const rows = (marks: string[]) => [
  `  ${marks.includes('Mirror') ? '*' : ' '} Mirror  ${base}test/mirror/  VEVENT, VJOURNAL, VTODO`,
  `  ${marks.includes('Tasks') ? '*' : ' '} Tasks   ${base}test/tasks/   VTODO (no events: cannot be synced)`,
  `  ${marks.includes('Work') ? '*' : ' '} Work    ${base}test/work/    VEVENT, VJOURNAL, VTODO`,
];

test('both accounts are listed with names, URLs and components, the configured calendars marked', async () => {
  const run = await runCli(
    ['calendars', '--source', base, '--source-username', server.username, '--source-calendar', 'Work', '--target', base, '--target-username', server.username, '--target-calendar', 'Mirror'],
    { env: passwords() },
  );
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr, '');
  assert.equal(
    run.stdout,
    [
      `source: the calendars of "test" at ${base} (* marks the one SOURCE_CALENDAR selects)`,
      ...rows(['Work']),
      `target: the calendars of "test" at ${base} (* marks the one TARGET_CALENDAR selects)`,
      ...rows(['Mirror']),
      '',
    ].join('\n'),
  );
});

test('from a config file: a calendar chosen by URL is marked, one not set says so, a folder is one line', async () => {
  const config = join(work, 'pair.env');
  writeFileSync(config, `SOURCE_URL=${base}\nSOURCE_USERNAME=test\nSOURCE_PASSWORD=test\nSOURCE_CALENDAR=${base}test/tasks/\nTARGET_URL=mirror\n`);
  const withTarget = join(work, 'unset.env');
  writeFileSync(withTarget, `SOURCE_URL=${join(work, 'none.ics')}\nTARGET_URL=${base}\nTARGET_USERNAME=test\nTARGET_PASSWORD=test\n`);
  writeFileSync(join(work, 'none.ics'), 'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n');

  const run = await runCli(['calendars', '--config', config]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(
    run.stdout,
    [
      `source: the calendars of "test" at ${base} (* marks the one SOURCE_CALENDAR selects)`,
      ...rows(['Tasks']),
      `target: the folder ${join(work, 'mirror')}, one .ics file per copy (not there yet: the first sync makes it)`,
      '',
    ].join('\n'),
  );

  const unset = await runCli(['calendars', '--config', withTarget]);
  assert.equal(unset.code, 0, unset.stderr);
  assert.equal(
    unset.stdout,
    [
      `source: the .ics file ${join(work, 'none.ics')} (read whole: there is no calendar to pick)`,
      `target: the calendars of "test" at ${base}`,
      ...rows([]),
      '  TARGET_CALENDAR is not set: set it to one of the names or URLs above',
      '',
    ].join('\n'),
  );
});

test('a name that is none of the calendars is said under the listing', async () => {
  const run = await runCli(['calendars', '--source', base, '--source-username', 'test', '--source-calendar', 'work', '--target', join(work, 'mirror')], { env: passwords() });
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(run.stdout.split('\n').slice(4), ['  SOURCE_CALENDAR "work" is none of these: set it to one of the names or URLs above', `target: the folder ${join(work, 'mirror')}, one .ics file per copy (not there yet: the first sync makes it)`, '']);
});

test('a wrong password is the one line of the sync, and exit 4', async () => {
  const run = await runCli(['calendars', '--source', base, '--source-username', 'test', '--target', join(work, 'mirror')], { env: { SOURCE_PASSWORD: 'wrong' } });
  assert.equal(run.code, 4);
  assert.equal(run.stdout, '');
  assert.equal(run.stderr, `error: the source server ${base.slice(0, -1)} refused the login of user "test" (HTTP 401); check SOURCE_USERNAME and SOURCE_PASSWORD\n`);
});

test('a server that does not answer is the one line of the sync, and exit 5', async () => {
  // A port that was just free: nothing listens on it.
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
  const run = await runCli(['calendars', '--source', `http://127.0.0.1:${port}/`, '--target', join(work, 'mirror'), '--retry-attempts', '1']);
  assert.equal(run.code, 5);
  assert.equal(run.stdout, '');
  assert.equal(run.stderr, `error: cannot reach the source server http://127.0.0.1:${port}: connection refused (PROPFIND /, 1 attempt); check the source URL and that the server is running\n`);
});
