// Settings from flags, the environment and config.env (in that order of precedence).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { DateTime } from 'luxon';
import type { SyncPolicy, SyncWindow } from './domain.ts';
import { EXIT, UserError } from './errors.ts';
import { DEFAULT_NETWORK_POLICY, type NetworkPolicy } from './retry-policy.ts';

export interface EndpointSettings {
  /** A CalDAV server or collection URL, an .ics file or feed (source), or a folder (target). */
  url: string;
  username?: string;
  password?: string;
  calendar?: string;
  /** Timeout and retries of every request to this side's server. */
  network: NetworkPolicy;
}

export interface SyncConfig {
  /** PAIR_NAME: the pair's name in the state database (several pairs may share one), or null. */
  pairName: string | null;
  source: EndpointSettings;
  target: EndpointSettings;
  window: SyncWindow;
  dbPath: string;
  dryRun: boolean;
  /** Requests to a server at once. */
  concurrency: number;
  /** What happens to copies deleted or changed on the target, and to duplicates (adoption is decided per run). */
  policy: Omit<SyncPolicy, 'adoptForeign' | 'deleteOrphans'>;
  /** A run that would delete more than this share of the pair's copies stops before writing. */
  maxDeletePercent: number;
  /** --force-delete: the user confirmed the deletions the guard stopped. */
  forceDelete: boolean;
}

/** What the command line may say; every field overrides the same setting from elsewhere. */
export interface SyncFlags {
  config?: string;
  source?: string;
  target?: string;
  sourceUsername?: string;
  sourceCalendar?: string;
  targetUsername?: string;
  targetCalendar?: string;
  pastDays?: number;
  futureDays?: number;
  from?: string;
  to?: string;
  db?: string;
  dryRun?: boolean;
  json?: boolean;
  detailedExitcode?: boolean;
  concurrency?: number;
  requestTimeout?: number;
  retryAttempts?: number;
  retryMaxDelay?: number;
  retryBudget?: number;
  targetDeletions?: string;
  targetEdits?: string;
  maxDeletePercent?: number;
  forceDelete?: boolean;
  dedupeForeign?: boolean;
  deleteOrphans?: boolean;
}

const SIDE_KEYS = ['URL', 'USERNAME', 'PASSWORD', 'PASSWORD_FILE', 'PASSWORD_COMMAND', 'CALENDAR'] as const;
const KNOWN_KEYS = [
  'PAIR_NAME',
  ...SIDE_KEYS.map((k) => `SOURCE_${k}`),
  ...SIDE_KEYS.map((k) => `TARGET_${k}`),
  'SYNC_WINDOW_PAST_DAYS',
  'SYNC_WINDOW_FUTURE_DAYS',
  'SYNC_DB',
  'SYNC_CONCURRENCY',
  'REQUEST_TIMEOUT_SECONDS',
  'RETRY_ATTEMPTS',
  'RETRY_MAX_DELAY_SECONDS',
  'RETRY_BUDGET',
  'TARGET_DELETIONS',
  'TARGET_EDITS',
  'MAX_DELETE_PERCENT',
];

/** The Python tool this replaces synced Nextcloud (source) into Kerio (target); its keys still work. */
const ALIAS_PREFIXES: Record<string, string> = { NEXTCLOUD_: 'SOURCE_', KERIO_: 'TARGET_' };
const ALIAS_SUFFIXES: Record<string, string> = { USER: 'USERNAME' };

/** The canonical key for a key or one of its aliases, or null if it is none of ours. */
export function canonicalKey(key: string): string | null {
  if (KNOWN_KEYS.includes(key)) return key;
  for (const [prefix, side] of Object.entries(ALIAS_PREFIXES)) {
    if (!key.startsWith(prefix)) continue;
    const rest = key.slice(prefix.length);
    const canonical = `${side}${ALIAS_SUFFIXES[rest] ?? rest}`;
    return KNOWN_KEYS.includes(canonical) ? canonical : null;
  }
  if (key === 'SOURCE_USER' || key === 'TARGET_USER') return `${key}NAME`;
  return null;
}

/** One layer of settings under canonical keys; a canonical key beats its aliases within the layer. */
function canonicalLayer(values: Record<string, string | undefined>, warnUnknown?: (key: string) => void): Map<string, string> {
  const layer = new Map<string, string>();
  const entries = Object.entries(values).filter((e): e is [string, string] => e[1] !== undefined);
  for (const [key, value] of entries) {
    const canonical = canonicalKey(key);
    if (canonical === null) warnUnknown?.(key);
    else if (canonical === key || !layer.has(canonical)) layer.set(canonical, value);
  }
  for (const [key, value] of entries) if (canonicalKey(key) === key) layer.set(key, value);
  return layer;
}

/** A date (read as UTC midnight) or an RFC 3339 date-time, which must say its offset. */
export function parseInstant(text: string, flag: string): number {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const parsed = DateTime.fromISO(text, { zone: 'utc' });
  if (!parsed.isValid || (!dateOnly && !/(Z|[+-]\d{2}:?\d{2})$/i.test(text))) {
    throw new UserError(`${flag} "${text}" is not a date (2026-10-01) or an RFC 3339 time with its offset (2026-10-01T09:00:00Z)`);
  }
  return parsed.toMillis();
}

const DAY_MS = 86_400_000;

/** How long a password manager may take to answer *_PASSWORD_COMMAND (it may ask to be unlocked). */
const PASSWORD_COMMAND_TIMEOUT_MS = 120_000;

/**
 * The password of a side from the one place the settings name: the value itself, a file holding it
 * (*_PASSWORD_FILE, as systemd credentials are given), or a command printing it (*_PASSWORD_COMMAND,
 * a password manager). Messages never show the password or the command's output.
 */
function readPassword(side: string, setting: (key: string) => { value: string; base: string } | undefined, errors: string[]): string | undefined {
  const given = ['PASSWORD', 'PASSWORD_FILE', 'PASSWORD_COMMAND'].map((k) => `${side}_${k}`).filter((key) => (setting(key)?.value ?? '') !== '');
  if (given.length > 1) {
    errors.push(`${given.join(' and ')} are set together; keep one: the password itself, a file holding it, or a command printing it`);
    return undefined;
  }
  const [key] = given;
  if (key === undefined) return undefined;
  const { value, base } = setting(key)!;
  if (key.endsWith('_PASSWORD')) return value;
  if (key.endsWith('_FILE')) {
    const path = resolve(base, value.trim());
    try {
      const text = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
      if (text === '') errors.push(`${key} is "${value}", an empty file; put the password in it`);
      return text;
    } catch (error) {
      errors.push(`${key} is "${value}", which cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); check the path and its permissions`);
      return undefined;
    }
  }
  try {
    const output = execFileSync('/bin/sh', ['-c', value], { encoding: 'utf8', timeout: PASSWORD_COMMAND_TIMEOUT_MS, stdio: ['inherit', 'pipe', 'pipe'] });
    const password = output.split(/\r?\n/)[0];
    if (password === '') errors.push(`${key} printed nothing; it must print the password on its first line`);
    return password;
  } catch (error) {
    const failure = error as { status?: number | null; signal?: string | null; stderr?: string };
    const why = failure.signal ? `stopped by ${failure.signal}` : `exit code ${failure.status}`;
    const said = failure.stderr?.trim().split('\n')[0];
    errors.push(`${key} failed (${why}${said ? `: ${said}` : ''}); run it by hand to check that it prints the password`);
    return undefined;
  }
}

/** A warning when the config file holds a password and other users may read it. */
function checkPrivate(path: string, values: Record<string, string>, warn: (message: string) => void): void {
  const holdsPassword = Object.keys(values).some((key) => canonicalKey(key)?.endsWith('_PASSWORD'));
  const mode = statSync(path).mode & 0o777;
  if (holdsPassword && (mode & 0o044) !== 0) {
    warn(`${path} holds a password and other users can read it (mode ${mode.toString(8).padStart(4, '0')}); run: chmod 600 ${path}`);
  }
}

export function loadConfig(flags: SyncFlags, env: Record<string, string | undefined>, now: number, warn: (message: string) => void): SyncConfig {
  const errors: string[] = [];
  let fileValues: Record<string, string> = {};
  const configDir = flags.config ? dirname(resolve(flags.config)) : process.cwd();
  if (flags.config) {
    if (!existsSync(flags.config)) throw new UserError(`the config file ${flags.config} does not exist; copy config.env.example to it and fill it in`);
    fileValues = parseEnv(readFileSync(flags.config, 'utf8')) as Record<string, string>;
    checkPrivate(flags.config, fileValues, warn);
  }
  const file = canonicalLayer(fileValues, (key) => warn(`${flags.config}: unknown key ${key} is ignored (known keys: see config.env.example)`));
  const environment = canonicalLayer(env);
  const fromFlags = canonicalLayer({
    SOURCE_URL: flags.source,
    TARGET_URL: flags.target,
    SOURCE_USERNAME: flags.sourceUsername,
    SOURCE_CALENDAR: flags.sourceCalendar,
    TARGET_USERNAME: flags.targetUsername,
    TARGET_CALENDAR: flags.targetCalendar,
    SYNC_WINDOW_PAST_DAYS: flags.pastDays?.toString(),
    SYNC_WINDOW_FUTURE_DAYS: flags.futureDays?.toString(),
    SYNC_CONCURRENCY: flags.concurrency?.toString(),
    REQUEST_TIMEOUT_SECONDS: flags.requestTimeout?.toString(),
    RETRY_ATTEMPTS: flags.retryAttempts?.toString(),
    RETRY_MAX_DELAY_SECONDS: flags.retryMaxDelay?.toString(),
    RETRY_BUDGET: flags.retryBudget?.toString(),
    TARGET_DELETIONS: flags.targetDeletions,
    TARGET_EDITS: flags.targetEdits,
    MAX_DELETE_PERCENT: flags.maxDeletePercent?.toString(),
  });
  /** The value and the folder a relative path in it is relative to. */
  const setting = (key: string): { value: string; base: string } | undefined => {
    if (fromFlags.has(key)) return { value: fromFlags.get(key)!, base: process.cwd() };
    if (environment.has(key)) return { value: environment.get(key)!, base: process.cwd() };
    if (file.has(key)) return { value: file.get(key)!, base: configDir };
    return undefined;
  };

  const whole = (key: string, fallback: number, what: string, least = 0): number => {
    const text = setting(key)?.value;
    if (text === undefined || text === '') return fallback;
    if (!/^\d+$/.test(text.trim()) || Number(text) < least) {
      errors.push(`${key} is "${text}"; it must be ${what}, like ${fallback}`);
      return fallback;
    }
    return Number(text);
  };
  /** Seconds, fractions allowed (a test's backoff of 0.01 s), returned in ms. */
  const seconds = (key: string, fallbackMs: number, what: string, positive: boolean): number => {
    const text = setting(key)?.value?.trim();
    if (text === undefined || text === '') return fallbackMs;
    if (!/^\d+(\.\d+)?$/.test(text) || (positive && Number(text) === 0)) {
      errors.push(`${key} is "${text}"; it must be ${what}, like ${fallbackMs / 1000}`);
      return fallbackMs;
    }
    return Math.round(Number(text) * 1000);
  };
  const network: NetworkPolicy = {
    timeoutMs: seconds('REQUEST_TIMEOUT_SECONDS', DEFAULT_NETWORK_POLICY.timeoutMs, 'a number of seconds above 0', true),
    maxAttempts: whole('RETRY_ATTEMPTS', DEFAULT_NETWORK_POLICY.maxAttempts, 'a whole number of attempts per request, at least 1', 1),
    maxDelayMs: seconds('RETRY_MAX_DELAY_SECONDS', DEFAULT_NETWORK_POLICY.maxDelayMs, 'a number of seconds', false),
    retryBudget: whole('RETRY_BUDGET', DEFAULT_NETWORK_POLICY.retryBudget, 'a whole number of retries per run'),
  };

  const side = (name: 'SOURCE' | 'TARGET'): EndpointSettings => {
    const url = setting(`${name}_URL`);
    if (!url || url.value.trim() === '') {
      errors.push(`${name}_URL is not set; give --${name.toLowerCase()} or set ${name}_URL in the config file`);
      return { url: '', network };
    }
    const settings: EndpointSettings = {
      network,
      url: url.value.trim(),
      username: setting(`${name}_USERNAME`)?.value,
      password: readPassword(name, setting, errors),
      calendar: setting(`${name}_CALENDAR`)?.value?.trim(),
    };
    if (/^(https?|webcals?):\/\//i.test(settings.url)) {
      const parsed = new URL(settings.url);
      // Credentials written into the URL are moved out of it, so the URL can be shown safely.
      if (parsed.username) settings.username ??= decodeURIComponent(parsed.username);
      if (parsed.password) settings.password ??= decodeURIComponent(parsed.password);
      parsed.username = '';
      parsed.password = '';
      settings.url = parsed.href;
    } else if (!isAbsolute(settings.url)) {
      settings.url = resolve(url.base, settings.url);
    }
    return settings;
  };

  const days = (key: string, fallback: number) => whole(key, fallback, 'a whole number of days');

  const pairName = setting('PAIR_NAME')?.value?.trim() || null;
  if (pairName !== null && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(pairName)) {
    errors.push(`PAIR_NAME is "${pairName}"; it must be a short name of letters, digits, '.', '_' or '-', like work`);
  }
  const source = side('SOURCE');
  const target = side('TARGET');
  const pastDays = days('SYNC_WINDOW_PAST_DAYS', 30);
  const futureDays = days('SYNC_WINDOW_FUTURE_DAYS', 90);
  const instant = (text: string | undefined, flag: string, fallback: number): number => {
    if (text === undefined) return fallback;
    try {
      return parseInstant(text, flag);
    } catch (error) {
      errors.push((error as Error).message);
      return fallback;
    }
  };
  const window: SyncWindow = {
    start: instant(flags.from, '--from', now - pastDays * DAY_MS),
    end: instant(flags.to, '--to', now + futureDays * DAY_MS),
  };
  if (window.start >= window.end) errors.push('the window is empty: --from must be before --to');
  const concurrency = whole('SYNC_CONCURRENCY', 4, 'a whole number of requests at once, at least 1', 1);
  const choice = <T extends string>(key: string, choices: readonly T[], what: string): T => {
    const text = setting(key)?.value?.trim();
    if (text === undefined || text === '') return choices[0];
    if ((choices as readonly string[]).includes(text.toLowerCase())) return text.toLowerCase() as T;
    errors.push(`${key} is "${text}"; it must be one of ${choices.join(', ')} (${what})`);
    return choices[0];
  };
  const targetDeletions = choice('TARGET_DELETIONS', ['recreate', 'respect', 'propagate'] as const, 'what a copy deleted on the target leads to');
  const targetEdits = choice('TARGET_EDITS', ['overwrite', 'keep'] as const, 'what a copy changed on the target leads to');
  const maxDeletePercent = whole('MAX_DELETE_PERCENT', 25, 'a whole percentage from 0 to 100');
  if (maxDeletePercent > 100) errors.push(`MAX_DELETE_PERCENT is "${maxDeletePercent}"; it must be a whole percentage from 0 to 100, like 25`);
  if (errors.length > 0) throw new UserError(errors.join('\n'), EXIT.config);
  return {
    pairName,
    source,
    target,
    window,
    dbPath: stateDbPath(flags, env),
    dryRun: flags.dryRun ?? false,
    concurrency,
    policy: { targetDeletions, targetEdits, dedupeForeign: flags.dedupeForeign ?? false },
    maxDeletePercent,
    forceDelete: flags.forceDelete ?? false,
  };
}

/** Where the state database is: --db, else SYNC_DB from the environment (both from the current folder), else from the config file (beside it), else sync.db beside the config or here. */
export function stateDbPath(flags: { config?: string; db?: string }, env: Record<string, string | undefined>): string {
  if (flags.db) return resolve(flags.db);
  const fromEnv = canonicalLayer(env).get('SYNC_DB');
  if (fromEnv) return resolve(fromEnv);
  if (!flags.config) return resolve('sync.db');
  if (!existsSync(flags.config)) throw new UserError(`the config file ${flags.config} does not exist; give the one the sync uses, or --db`);
  const configDir = dirname(resolve(flags.config));
  const fromFile = canonicalLayer(parseEnv(readFileSync(flags.config, 'utf8')) as Record<string, string>).get('SYNC_DB');
  return resolve(configDir, fromFile ?? 'sync.db');
}
