// Unit tests of loadConfig: config file, environment and flags, in that rising order of precedence.
// The environment is always passed explicitly; process.env is never read by these tests.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalKey, loadConfig, parseInstant, type SyncConfig, type SyncFlags } from '../lib/config.ts';
import { UserError } from '../lib/errors.ts';

/** A fixed "now": 2026-06-15T12:00:00Z. */
const NOW = Date.UTC(2026, 5, 15, 12, 0, 0);

const made: string[] = [];
after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder under the system temp folder (real path, so it compares equal to resolved paths). */
function tempDir(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'calsync-config-test-')));
  made.push(dir);
  return dir;
}

/** Writes a config file in a fresh folder, readable by its owner only (as the README says), and returns its path. */
function configFile(...lines: string[]): string {
  const path = join(tempDir(), 'config.env');
  writeFileSync(path, `${lines.join('\n')}\n`, { mode: 0o600 });
  return path;
}

function load(flags: SyncFlags, env: Record<string, string | undefined> = {}): { config: SyncConfig; warnings: string[] } {
  const warnings: string[] = [];
  const config = loadConfig(flags, env, NOW, (message) => warnings.push(message));
  return { config, warnings };
}

/** The UserError loadConfig throws for these settings. */
function failure(flags: SyncFlags, env: Record<string, string | undefined> = {}): UserError {
  let caught: unknown;
  try {
    loadConfig(flags, env, NOW, () => {});
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof UserError, `expected a UserError, got ${String(caught)}`);
  return caught;
}

/** The timeout and retries when nothing is set, as the README states them. */
const DEFAULT_NETWORK = { timeoutMs: 60_000, maxAttempts: 4, maxDelayMs: 30_000, retryBudget: 30 };

/** Flags naming both calendars, for tests about something else. */
const BOTH = { source: 'https://dav.example.org/calendars/ana/work/', target: 'https://mail.example.com/caldav/ana/mirror/' };

describe('loadConfig: where settings come from', () => {
  test('SOURCE_* and TARGET_* keys are read from the config file', () => {
    const path = configFile(
      '# calendars to sync',
      'SOURCE_URL=https://dav.example.org/remote.php/dav/',
      'SOURCE_USERNAME=ana',
      'SOURCE_PASSWORD="pa ss#word"',
      'SOURCE_CALENDAR=Work',
      'TARGET_URL=https://mail.example.com/caldav/',
      'TARGET_USERNAME=ben',
      'TARGET_PASSWORD=hunter2',
      'TARGET_CALENDAR=Mirror',
    );
    const { config, warnings } = load({ config: path });
    assert.deepEqual(config.source, { url: 'https://dav.example.org/remote.php/dav/', username: 'ana', password: 'pa ss#word', calendar: 'Work', network: DEFAULT_NETWORK });
    assert.deepEqual(config.target, { url: 'https://mail.example.com/caldav/', username: 'ben', password: 'hunter2', calendar: 'Mirror', network: DEFAULT_NETWORK });
    assert.equal(config.dryRun, false);
    assert.deepEqual(warnings, []);
  });

  test('NEXTCLOUD_* keys mean the source and KERIO_* keys the target; NEXTCLOUD_USER is the username', () => {
    const path = configFile(
      'NEXTCLOUD_URL=https://cloud.example.org/remote.php/dav/',
      'NEXTCLOUD_USER=ana',
      'NEXTCLOUD_PASSWORD=cloud-secret',
      'NEXTCLOUD_CALENDAR=Personal',
      'KERIO_URL=https://mail.example.com/caldav/',
      'KERIO_USER=ana.lima',
      'KERIO_PASSWORD=kerio-secret',
      'KERIO_CALENDAR=Calendar',
    );
    const { config, warnings } = load({ config: path });
    assert.deepEqual(config.source, { url: 'https://cloud.example.org/remote.php/dav/', username: 'ana', password: 'cloud-secret', calendar: 'Personal', network: DEFAULT_NETWORK });
    assert.deepEqual(config.target, { url: 'https://mail.example.com/caldav/', username: 'ana.lima', password: 'kerio-secret', calendar: 'Calendar', network: DEFAULT_NETWORK });
    assert.deepEqual(warnings, [], 'aliases are known keys');
  });

  test('the aliases work in the environment too', () => {
    const { config } = load({}, { NEXTCLOUD_URL: 'https://cloud.example.org/dav/', NEXTCLOUD_USER: 'ana', KERIO_URL: 'https://mail.example.com/caldav/', KERIO_USERNAME: 'ben' });
    assert.equal(config.source.url, 'https://cloud.example.org/dav/');
    assert.equal(config.source.username, 'ana');
    assert.equal(config.target.url, 'https://mail.example.com/caldav/');
    assert.equal(config.target.username, 'ben');
  });

  test('canonicalKey maps the aliases and knows nothing else', () => {
    assert.equal(canonicalKey('SOURCE_URL'), 'SOURCE_URL');
    assert.equal(canonicalKey('NEXTCLOUD_URL'), 'SOURCE_URL');
    assert.equal(canonicalKey('NEXTCLOUD_USER'), 'SOURCE_USERNAME');
    assert.equal(canonicalKey('KERIO_PASSWORD'), 'TARGET_PASSWORD');
    assert.equal(canonicalKey('KERIO_USER'), 'TARGET_USERNAME');
    assert.equal(canonicalKey('SYNC_DB'), 'SYNC_DB');
    assert.equal(canonicalKey('NEXTCLOUD_COLOUR'), null);
    assert.equal(canonicalKey('PATH'), null);
  });

  test('a canonical key wins over its alias in the same layer, whichever comes first', () => {
    const path = configFile(
      'SOURCE_URL=https://canonical-source.example/',
      'NEXTCLOUD_URL=https://alias-source.example/',
      'NEXTCLOUD_USER=alias-user',
      'SOURCE_USERNAME=canonical-user',
      'KERIO_URL=https://alias-target.example/',
      'TARGET_URL=https://canonical-target.example/',
    );
    const fromFile = load({ config: path }).config;
    assert.equal(fromFile.source.url, 'https://canonical-source.example/');
    assert.equal(fromFile.source.username, 'canonical-user');
    assert.equal(fromFile.target.url, 'https://canonical-target.example/');

    const fromEnv = load({}, { KERIO_URL: 'https://alias-target.example/', TARGET_URL: 'https://canonical-target.example/', SOURCE_URL: 'https://s.example/', NEXTCLOUD_URL: 'https://alias-source.example/' }).config;
    assert.equal(fromEnv.target.url, 'https://canonical-target.example/');
    assert.equal(fromEnv.source.url, 'https://s.example/');
  });

  test('flags override the environment, which overrides the file', () => {
    const path = configFile(
      'SOURCE_URL=https://file-source.example/',
      'SOURCE_USERNAME=file-user',
      'SOURCE_CALENDAR=File calendar',
      'TARGET_URL=https://file-target.example/',
      'TARGET_CALENDAR=File target',
      'SYNC_WINDOW_PAST_DAYS=10',
      'SYNC_WINDOW_FUTURE_DAYS=10',
    );
    const env = {
      SOURCE_URL: 'https://env-source.example/',
      SOURCE_USERNAME: 'env-user',
      KERIO_CALENDAR: 'Env target', // an alias in a higher layer beats the canonical key in a lower one
      SYNC_WINDOW_PAST_DAYS: '20',
      SYNC_WINDOW_FUTURE_DAYS: '20',
    };
    const { config } = load({ config: path, source: 'https://flag-source.example/', pastDays: 5 }, env);
    assert.equal(config.source.url, 'https://flag-source.example/'); // flag
    assert.equal(config.source.username, 'env-user'); // environment
    assert.equal(config.source.calendar, 'File calendar'); // file
    assert.equal(config.target.url, 'https://file-target.example/'); // file
    assert.equal(config.target.calendar, 'Env target'); // environment
    assert.deepEqual(config.window, {
      start: Date.UTC(2026, 5, 10, 12), // 5 days (flag) before 2026-06-15T12:00Z
      end: Date.UTC(2026, 6, 5, 12), // 20 days (environment) after it
    });
  });

  test('a missing config file is a UserError naming it', () => {
    const missing = join(tempDir(), 'nope.env');
    const error = failure({ config: missing });
    assert.equal(error.exitCode, 3);
    assert.match(error.message, /nope\.env/);
  });
});

describe('loadConfig: the window', () => {
  test('by default the window is now - 30 days .. now + 90 days exactly', () => {
    const { config } = load(BOTH);
    assert.deepEqual(config.window, {
      start: Date.UTC(2026, 4, 16, 12), // 2026-05-16T12:00Z
      end: Date.UTC(2026, 8, 13, 12), // 2026-09-13T12:00Z
    });
  });

  test('SYNC_WINDOW_PAST_DAYS / SYNC_WINDOW_FUTURE_DAYS set the window in days', () => {
    const { config } = load(BOTH, { SYNC_WINDOW_PAST_DAYS: '0', SYNC_WINDOW_FUTURE_DAYS: '1' });
    assert.deepEqual(config.window, { start: NOW, end: Date.UTC(2026, 5, 16, 12) });
  });

  test('--from and --to given as dates are UTC midnight', () => {
    const { config } = load({ ...BOTH, from: '2026-10-01', to: '2026-12-31' });
    assert.deepEqual(config.window, { start: Date.UTC(2026, 9, 1), end: Date.UTC(2026, 11, 31) });
  });

  test('--from and --to given as RFC 3339 times with an offset', () => {
    const { config } = load({ ...BOTH, from: '2026-10-01T09:00:00+02:00', to: '2026-10-02T18:30:00Z' });
    assert.deepEqual(config.window, { start: Date.UTC(2026, 9, 1, 7), end: Date.UTC(2026, 9, 2, 18, 30) });
    const west = load({ ...BOTH, from: '2026-10-01T09:00:00-05:00', to: '2026-10-01T12:00:00-0500' }).config;
    assert.deepEqual(west.window, { start: Date.UTC(2026, 9, 1, 14), end: Date.UTC(2026, 9, 1, 17) });
  });

  test('--from alone keeps the default end', () => {
    const { config } = load({ ...BOTH, from: '2026-06-01' });
    assert.deepEqual(config.window, { start: Date.UTC(2026, 5, 1), end: Date.UTC(2026, 8, 13, 12) });
  });

  test('a date-time without an offset is rejected', () => {
    const error = failure({ ...BOTH, from: '2026-10-01T09:00:00' });
    assert.equal(error.exitCode, 3);
    assert.match(error.message, /--from/);
    assert.match(error.message, /2026-10-01T09:00:00/);
    assert.throws(() => parseInstant('2026-10-01T09:00', '--to'), UserError);
    assert.equal(parseInstant('2026-10-01T09:00:00Z', '--to'), Date.UTC(2026, 9, 1, 9));
  });

  test('an empty window (--from after --to) is rejected', () => {
    const error = failure({ ...BOTH, from: '2026-10-02', to: '2026-10-01' });
    assert.equal(error.exitCode, 3);
    assert.match(error.message, /empty/);
  });
});

describe('loadConfig: errors', () => {
  test('every mistake is reported at once, one line each, in one UserError with exit code 3', () => {
    const error = failure({}, { SYNC_WINDOW_PAST_DAYS: 'thirty' });
    assert.equal(error.exitCode, 3);
    const errorLines = error.message.split('\n');
    assert.equal(errorLines.length, 3, error.message);
    assert.equal(errorLines.filter((l) => /SOURCE_URL/.test(l)).length, 1, error.message);
    assert.equal(errorLines.filter((l) => /TARGET_URL/.test(l)).length, 1, error.message);
    assert.equal(errorLines.filter((l) => /SYNC_WINDOW_PAST_DAYS/.test(l) && /thirty/.test(l)).length, 1, error.message);
  });

  test('a bad --from and a bad --to are both reported', () => {
    const error = failure({ ...BOTH, from: '2026-10-01T09:00:00', to: 'next friday' });
    assert.equal(error.exitCode, 3);
    const errorLines = error.message.split('\n');
    assert.equal(errorLines.length, 2, error.message);
    assert.match(errorLines.find((l) => l.includes('--from')) ?? '', /2026-10-01T09:00:00/, error.message);
    assert.match(errorLines.find((l) => l.includes('--to')) ?? '', /next friday/, error.message);
  });

  test('a negative or fractional day count is rejected', () => {
    const error = failure(BOTH, { SYNC_WINDOW_FUTURE_DAYS: '-3', SYNC_WINDOW_PAST_DAYS: '1.5' });
    assert.equal(error.message.split('\n').length, 2, error.message);
  });
});

describe('loadConfig: timeout and retries', () => {
  test('REQUEST_TIMEOUT_SECONDS, RETRY_ATTEMPTS, RETRY_MAX_DELAY_SECONDS and RETRY_BUDGET set both sides; fractions of a second are allowed', () => {
    const path = configFile('REQUEST_TIMEOUT_SECONDS=20', 'RETRY_ATTEMPTS=6', 'RETRY_MAX_DELAY_SECONDS=0.25', 'RETRY_BUDGET=0');
    const { config } = load({ ...BOTH, config: path });
    const network = { timeoutMs: 20_000, maxAttempts: 6, maxDelayMs: 250, retryBudget: 0 };
    assert.deepEqual([config.source.network, config.target.network], [network, network]);
  });

  test('the flags --request-timeout, --retry-attempts, --retry-max-delay and --retry-budget win over the file and the environment', () => {
    const path = configFile('REQUEST_TIMEOUT_SECONDS=20', 'RETRY_BUDGET=5');
    const { config } = load({ ...BOTH, config: path, requestTimeout: 1.5, retryAttempts: 1, retryMaxDelay: 0, retryBudget: 7 }, { RETRY_ATTEMPTS: '9' });
    assert.deepEqual(config.target.network, { timeoutMs: 1_500, maxAttempts: 1, maxDelayMs: 0, retryBudget: 7 });
  });

  test('a timeout of 0, no attempt at all, or words instead of numbers are rejected, one line each', () => {
    const error = failure(BOTH, { REQUEST_TIMEOUT_SECONDS: '0', RETRY_ATTEMPTS: '0', RETRY_MAX_DELAY_SECONDS: 'long', RETRY_BUDGET: '-1' });
    assert.equal(error.exitCode, 3);
    assert.deepEqual(error.message.split('\n'), [
      'REQUEST_TIMEOUT_SECONDS is "0"; it must be a number of seconds above 0, like 60',
      'RETRY_ATTEMPTS is "0"; it must be a whole number of attempts per request, at least 1, like 4',
      'RETRY_MAX_DELAY_SECONDS is "long"; it must be a number of seconds, like 30',
      'RETRY_BUDGET is "-1"; it must be a whole number of retries per run, like 30',
    ]);
  });
});

describe('loadConfig: URLs and paths', () => {
  test('credentials embedded in an http(s) URL are moved out of it into username/password', () => {
    const { config } = load({ source: 'https://al%40ice:s%3Acr%20et@dav.example.org/cal/', target: 'http://bob:pw@127.0.0.1:5232/bob/' });
    assert.deepEqual(config.source, { url: 'https://dav.example.org/cal/', username: 'al@ice', password: 's:cr et', calendar: undefined, network: DEFAULT_NETWORK });
    assert.deepEqual(config.target, { url: 'http://127.0.0.1:5232/bob/', username: 'bob', password: 'pw', calendar: undefined, network: DEFAULT_NETWORK });
  });

  test('a username or password set explicitly is kept over the one in the URL, and the URL is still cleaned', () => {
    const { config } = load({ source: BOTH.source }, { TARGET_URL: 'https://old:oldpw@mail.example.com/caldav/', TARGET_USERNAME: 'new', TARGET_PASSWORD: 'newpw' });
    assert.deepEqual(config.target, { url: 'https://mail.example.com/caldav/', username: 'new', password: 'newpw', calendar: undefined, network: DEFAULT_NETWORK });
  });

  test('relative paths in the file are relative to the file\'s folder', () => {
    const path = configFile('SOURCE_URL=calendars/team.ics', 'TARGET_URL=./mirror', 'SYNC_DB=state/sync-state.db');
    const dir = path.slice(0, -'/config.env'.length);
    const { config } = load({ config: path });
    assert.equal(config.source.url, join(dir, 'calendars', 'team.ics'));
    assert.equal(config.target.url, join(dir, 'mirror'));
    assert.equal(config.dbPath, join(dir, 'state', 'sync-state.db'));
  });

  test('relative paths in flags and the environment are relative to the current folder', () => {
    const configPath = configFile('SOURCE_URL=from-file.ics', 'TARGET_URL=from-file-folder');
    const cwd = tempDir();
    mkdirSync(join(cwd, 'sub'));
    const before = process.cwd();
    process.chdir(cwd);
    try {
      const { config } = load({ config: configPath, source: 'team.ics', db: 'sub/state.db' }, { TARGET_URL: 'mirror' });
      assert.equal(config.source.url, join(cwd, 'team.ics'));
      assert.equal(config.target.url, join(cwd, 'mirror'));
      assert.equal(config.dbPath, join(cwd, 'sub', 'state.db'));
    } finally {
      process.chdir(before);
    }
  });

  test('absolute paths are kept as they are', () => {
    const { config } = load({ source: '/srv/calendars/team.ics', target: '/srv/mirror' });
    assert.equal(config.source.url, '/srv/calendars/team.ics');
    assert.equal(config.target.url, '/srv/mirror');
  });

  test('SYNC_DB defaults to sync.db beside the config file', () => {
    const path = configFile('SOURCE_URL=https://dav.example.org/cal/', 'TARGET_URL=https://mail.example.com/caldav/');
    const dir = path.slice(0, -'/config.env'.length);
    const { config } = load({ config: path });
    assert.equal(config.dbPath, join(dir, 'sync.db'));
  });
});

describe('loadConfig: warnings', () => {
  test('an unknown key in the file produces a warning naming it', () => {
    const path = configFile('SOURCE_URL=https://dav.example.org/cal/', 'TARGET_URL=https://mail.example.com/caldav/', 'SYNC_WINDOW_PAST_DAY=7');
    const { config, warnings } = load({ config: path });
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0], /SYNC_WINDOW_PAST_DAY\b/);
    assert.equal(config.window.start, Date.UTC(2026, 4, 16, 12), 'the misspelt key is ignored');
  });

  test('a config file that holds a password and that other users can read is warned about, with the fix', () => {
    const path = configFile(`SOURCE_URL=${BOTH.source}`, `TARGET_URL=${BOTH.target}`, 'SOURCE_PASSWORD=secret');
    chmodSync(path, 0o644);
    assert.deepEqual(load({ config: path }).warnings, [`${path} holds a password and other users can read it (mode 0644); run: chmod 600 ${path}`]);
    chmodSync(path, 0o600);
    assert.deepEqual(load({ config: path }).warnings, []);
    const noPassword = configFile(`SOURCE_URL=${BOTH.source}`, `TARGET_URL=${BOTH.target}`);
    chmodSync(noPassword, 0o644);
    assert.deepEqual(load({ config: noPassword }).warnings, []);
  });

  test('unknown keys in the environment are not warned about', () => {
    const { warnings } = load(BOTH, { PATH: '/usr/bin:/bin', HOME: '/home/ana', NEXTCLOUD_THEME: 'dark' });
    assert.deepEqual(warnings, []);
  });
});

describe('loadConfig: passwords from a file or a command', () => {
  test('*_PASSWORD_FILE reads the password from a file (relative to the config file), without its final newline', () => {
    const path = configFile(`SOURCE_URL=${BOTH.source}`, `TARGET_URL=${BOTH.target}`, 'SOURCE_PASSWORD_FILE=secrets/source', 'KERIO_PASSWORD_FILE=secrets/target');
    mkdirSync(join(path, '..', 'secrets'));
    writeFileSync(join(path, '..', 'secrets', 'source'), 'pa ss#word\n');
    writeFileSync(join(path, '..', 'secrets', 'target'), 'kerio\r\n');
    const { config } = load({ config: path });
    assert.equal(config.source.password, 'pa ss#word');
    assert.equal(config.target.password, 'kerio');
  });

  test('*_PASSWORD_COMMAND runs a command (a password manager) and takes the first line it prints', () => {
    const { config } = load(BOTH, { SOURCE_PASSWORD_COMMAND: "printf 'from-the-vault\\nsecond line\\n'", NEXTCLOUD_PASSWORD_FILE: undefined });
    assert.equal(config.source.password, 'from-the-vault');
    assert.equal(config.target.password, undefined);
  });

  test('a password file that cannot be read, a failing command and an empty answer are each one line naming the key, all at once', () => {
    const dir = tempDir();
    const error = failure(BOTH, {
      SOURCE_PASSWORD_FILE: join(dir, 'missing'),
      TARGET_PASSWORD_COMMAND: "echo 'the secret stays out' && echo 'vault is locked' >&2 && exit 3",
      SYNC_CONCURRENCY: 'many',
    });
    assert.equal(error.exitCode, 3);
    assert.deepEqual(error.message.split('\n'), [
      `SOURCE_PASSWORD_FILE is "${join(dir, 'missing')}", which cannot be read (ENOENT); check the path and its permissions`,
      'TARGET_PASSWORD_COMMAND failed (exit code 3: vault is locked); run it by hand to check that it prints the password',
      'SYNC_CONCURRENCY is "many"; it must be a whole number of requests at once, at least 1, like 4',
    ]);
    assert.equal(failure(BOTH, { SOURCE_PASSWORD_COMMAND: 'true' }).message, 'SOURCE_PASSWORD_COMMAND printed nothing; it must print the password on its first line');
  });

  test('a password given in two ways at once is refused: it would be unclear which one counts', () => {
    const error = failure(BOTH, { TARGET_PASSWORD: 'one', TARGET_PASSWORD_COMMAND: 'echo two' });
    assert.equal(error.message, 'TARGET_PASSWORD and TARGET_PASSWORD_COMMAND are set together; keep one: the password itself, a file holding it, or a command printing it');
  });
});

describe('loadConfig: PAIR_NAME', () => {
  test('names the pair; a name with spaces or slashes is refused with the fix', () => {
    assert.equal(load(BOTH, { PAIR_NAME: 'work' }).config.pairName, 'work');
    assert.equal(load(BOTH).config.pairName, null);
    assert.equal(failure(BOTH, { PAIR_NAME: 'my work/cal' }).message, `PAIR_NAME is "my work/cal"; it must be a short name of letters, digits, '.', '_' or '-', like work`);
  });
});
