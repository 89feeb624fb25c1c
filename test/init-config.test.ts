// `init` driven by piped answers against a real Radicale: what it asks and shows, the config.env it
// writes (exact text, mode 0600) and that a sync runs with it; nothing written when the answers stop.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { startServer, type CaldavServer } from './harness/caldav-servers.ts';
import { runCli, runCliAnswering, startCli, summaryCounts } from './harness/run-cli.ts';

const example = readFileSync(new URL('../config.env.example', import.meta.url), 'utf8');
const teamCalendar = fileURLToPath(new URL('../examples/team-calendar.ics', import.meta.url));
const fixture = (name: string) => readFileSync(new URL(`./fixtures/caldav/${name}`, import.meta.url), 'utf8');

let server: CaldavServer;
let work: string;
let base: string;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'calsync-init-'));
  server = await startServer('radicale');
  base = server.baseUrl;
  const source = await server.createCalendar('work', 'Work');
  await server.createCalendar('mirror', 'Mirror');
  await server.createCalendar('tasks', 'Tasks', ['VTODO']);
  for (const name of ['standup.ics', 'holiday.ics', 'review.ics', 'ny-call.ics', 'later.ics', 'task.ics']) await server.putObject(source, name, fixture(name));
});
after(async () => {
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** The lines of config.env.example that init fills in, as the example has them. */
const EXAMPLE_LINES = {
  SOURCE_URL: 'https://cloud.example.org/remote.php/dav/',
  SOURCE_USERNAME: 'ana',
  SOURCE_PASSWORD: 'change-me',
  SOURCE_CALENDAR: 'Work',
  TARGET_URL: 'https://mail.example.org/caldav/',
  TARGET_USERNAME: 'ana@example.org',
  TARGET_PASSWORD: 'change-me',
  TARGET_CALENDAR: 'Calendar',
};

/** config.env.example, comments and all, with those lines given `values`; each line must be there once. */
function filledExample(values: Record<keyof typeof EXAMPLE_LINES, string>): string {
  return Object.entries(EXAMPLE_LINES).reduce((text, [key, exampleValue]) => {
    const from = `${key}=${exampleValue}`;
    assert.equal(text.split('\n').filter((line) => line === from).length, 1, `config.env.example has the line ${from}`);
    return text.replace(`\n${from}\n`, `\n${key}=${values[key as keyof typeof EXAMPLE_LINES]}\n`);
  }, example);
}

/** The file init wrote has mode 0600 and exactly the example's text with `values`, and a first sync with it creates `created` copies. */
async function assertWrittenAndSyncing(config: string, values: Record<keyof typeof EXAMPLE_LINES, string>, window: string[], created: number) {
  assert.equal(statSync(config).mode & 0o777, 0o600);
  assert.equal(readFileSync(config, 'utf8'), filledExample(values));
  const sync = await runCli(['--config', config, ...window]);
  assert.equal(sync.code, 0, sync.stderr);
  assert.deepEqual(summaryCounts(sync.stdout), { created, updated: 0, deleted: 0, unchanged: 0, retired: 0, skipped: 0, failed: 0 });
}

const SOURCE_URL_QUESTION = '  URL (CalDAV server or calendar URL, .ics feed URL, or .ics file): ';
const TARGET_URL_QUESTION = '  URL (CalDAV server or calendar URL, or a local folder): ';
const listing = () => [
  `  the calendars of "test" at ${base}:`,
  `  1. Mirror  ${base}test/mirror/  VEVENT, VJOURNAL, VTODO`,
  `  2. Tasks   ${base}test/tasks/   VTODO (no events: cannot be synced)`,
  `  3. Work    ${base}test/work/    VEVENT, VJOURNAL, VTODO`,
];
const opening = (config: string) => [
  `Writes ${config} for a sync of a source calendar into a target calendar. Ctrl-C stops, writing nothing.`,
  '',
  'Source: the calendar that is the truth.',
  SOURCE_URL_QUESTION,
];
const targetOpening = ['', 'Target: the calendar that receives one copy per occurrence.', TARGET_URL_QUESTION];
const nextSteps = (config: string) => [
  '',
  `Wrote ${config} (mode 0600). Next:`,
  `  npx tsx sync.ts --config ${config} --dry-run   what a sync would do; writes nothing`,
  `  npx tsx sync.ts --config ${config}             the sync; run it as often as you like`,
];

test('init lists the calendars of both servers, tests the logins and writes config.env (0600) that a sync runs with', async () => {
  const config = join(work, 'config.env');
  const answers = [base, 'test', 'wrong', '', '', server.password, '2', '3', base, 'test', server.password, '1'];
  const run = await runCliAnswering(['init', '--config', config], answers);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr, '');
  assert.equal(
    run.stdout,
    [
      ...opening(config),
      '  Username (empty for none): ',
      '  Password: ',
      `  error: the source server ${base.slice(0, -1)} refused the login of user "test" (HTTP 401); check SOURCE_USERNAME and SOURCE_PASSWORD`,
      `  URL (CalDAV server or calendar URL, .ics feed URL, or .ics file) [${base}]: `,
      '  Username (empty for none) [test]: ',
      '  Password: ',
      ...listing(),
      '  Which one (1-3): ',
      '  "Tasks" holds no events (VTODO only); pick another',
      '  Which one (1-3): ',
      ...targetOpening,
      '  Username (empty for none): ',
      '  Password: ',
      ...listing(),
      '  Which one (1-3): ',
      ...nextSteps(config),
      '',
    ].join('\n'),
  );
  const values = { SOURCE_URL: base, SOURCE_USERNAME: 'test', SOURCE_PASSWORD: 'test', SOURCE_CALENDAR: 'Work', TARGET_URL: base, TARGET_USERNAME: 'test', TARGET_PASSWORD: 'test', TARGET_CALENDAR: 'Mirror' };
  // The six CalDAV fixtures over October 2026, as test/caldav-sync.test.ts works them out.
  await assertWrittenAndSyncing(config, values, ['--from', '2026-10-01', '--to', '2026-11-01'], 13);
});

test('an existing config.env is replaced only with --force, and the new one has mode 0600 again', async () => {
  const config = join(work, 'config.env');
  const mirror = join(work, 'mirror');
  const before = readFileSync(config, 'utf8');
  const refused = await runCliAnswering(['init', '--config', config], [teamCalendar, mirror]);
  assert.equal(refused.code, 3);
  assert.equal(refused.stdout, '');
  assert.equal(refused.stderr, `error: ${config} already exists; give --force to replace it, or --config for another file\n`);
  assert.equal(readFileSync(config, 'utf8'), before);

  chmodSync(config, 0o644);
  const run = await runCliAnswering(['init', '--config', config, '--force'], [teamCalendar, mirror]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, [...opening(config), ...targetOpening, ...nextSteps(config), ''].join('\n'));
  const values = { SOURCE_URL: teamCalendar, SOURCE_USERNAME: '', SOURCE_PASSWORD: '', SOURCE_CALENDAR: '', TARGET_URL: mirror, TARGET_USERNAME: '', TARGET_PASSWORD: '', TARGET_CALENDAR: '' };
  // The bundled example over December 2026, as test/cli-folder-sync.test.ts works it out.
  await assertWrittenAndSyncing(config, values, ['--from', '2026-12-01', '--to', '2027-01-01'], 16);
});

test('answers that end before the last question write nothing, in one line and exit 3', async () => {
  const run = await runCliAnswering(['init', '--config', join(work, 'ended.env')], [base, 'test', server.password, '3']);
  assert.equal(run.code, 3);
  assert.equal(run.stderr, 'error: the answers ended before init was done; nothing was written\n');
  assert.equal(run.stdout.endsWith(['  Which one (1-3): ', ...targetOpening, ''].join('\n')), true, run.stdout);
  assert.equal(existsSync(join(work, 'ended.env')), false);
});

test('Ctrl-C at a question writes nothing, in one line and exit 130', async () => {
  const { child, done } = startCli(['init', '--config', join(work, 'stopped.env')]);
  child.stdin!.write(`${base}\ntest\n`);
  // Interrupted once it waits for the password, as a user would be (or seen failing if it exits before).
  let shown = '';
  await new Promise<void>((resolve) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      shown += chunk.toString();
      if (shown.endsWith('  Password: ')) resolve();
    });
    child.once('exit', () => resolve());
  });
  assert.equal(shown.endsWith('  Password: '), true, shown);
  child.kill('SIGINT');
  const run = await done;
  assert.equal(run.code, 130);
  assert.equal(run.stderr, 'error: init stopped by Ctrl-C; nothing was written\n');
  assert.equal(existsSync(join(work, 'stopped.env')), false);
});
