// Starts real CalDAV servers (Radicale, Xandikos) on 127.0.0.1 for tests, and gives an independent
// view of what they store: plain fetch plus a small regex XML parse, never tsdav or project code.
// See shared/notes/caldav-servers.md (beside the repository) for the settings used here.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export type ServerKind = 'radicale' | 'xandikos';
export const SERVER_KINDS: ServerKind[] = ['radicale', 'xandikos'];

export interface CaldavServer {
  kind: ServerKind;
  baseUrl: string;
  username: string;
  password: string;
  homeUrl: string;
  /** `components` (VEVENT, VTODO, ...) becomes its supported-calendar-component-set; the server's default without. */
  createCalendar(slug: string, displayName: string, components?: string[]): Promise<string>;
  putObject(collectionUrl: string, name: string, ics: string): Promise<string | null>;
  deleteObject(collectionUrl: string, name: string): Promise<void>;
  listObjects(collectionUrl: string): Promise<Array<{ href: string; etag: string | null; data: string }>>;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const PASSWORD = 'test';
const READY_TRIES = 75; // x READY_SLEEP_MS = ~15 s
const READY_SLEEP_MS = 200;
const REQUEST_TIMEOUT_MS = 15_000;
const LOG_LINES = 200;
const XML = 'application/xml; charset=utf-8'; // Xandikos answers 415 to any other type

// Children still running, killed synchronously if the test process exits without stopping them.
const running = new Map<ChildProcess, string>();
process.on('exit', () => {
  for (const [child, dir] of running) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
    try { rmSync(dir, { recursive: true, force: true }); } catch { /* best effort */ }
  }
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, HOST, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function xmlUnescape(s: string): string {
  return s
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(parseInt(d, 10)))
    .replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Contents of every <prefix:name ...>...</prefix:name> element, whatever the namespace prefix. */
function elements(xml: string, name: string): string[] {
  const re = new RegExp(`<(?:[\\w.-]+:)?${name}(?:\\s[^>]*)?>([\\s\\S]*?)</(?:[\\w.-]+:)?${name}\\s*>`, 'g');
  return [...xml.matchAll(re)].map((m) => m[1]);
}

function lineBuffer(): { push(chunk: Buffer): void; tail(n: number): string } {
  const lines: string[] = [];
  let partial = '';
  return {
    push(chunk) {
      const parts = (partial + chunk.toString('utf8')).split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts);
      if (lines.length > LOG_LINES) lines.splice(0, lines.length - LOG_LINES);
    },
    tail(n) {
      return [...lines, partial].filter(Boolean).slice(-n).join('\n');
    },
  };
}

/** Calendars to have in place when the server starts (the benchmark's large source calendars). */
export interface Preload {
  slug: string;
  displayName: string;
  objects: Array<{ name: string; ics: string }>;
}

/** `password` other than the default for a test that must find it nowhere in the output ("test" is also the user). */
export async function startServer(kind: ServerKind, preload: Preload[] = [], password = PASSWORD): Promise<CaldavServer> {
  const dir = await mkdtemp(join(tmpdir(), `caldav-${kind}-`));
  const port = await freePort();
  const baseUrl = `http://${HOST}:${port}/`;
  const username = kind === 'radicale' ? 'test' : 'user';
  const auth = 'Basic ' + Buffer.from(`${username}:${password}`).toString('base64');

  let cmd: string;
  let args: string[];
  if (kind === 'radicale') {
    const config = join(dir, 'config');
    const users = join(dir, 'users');
    await writeFile(users, `${username}:${password}\n`);
    await writeFile(config, [
      '[server]', `hosts = ${HOST}:${port}`,
      '[auth]', 'type = htpasswd', `htpasswd_filename = ${users}`, 'htpasswd_encryption = plain', 'delay = 0',
      '[rights]', 'type = owner_only',
      '[storage]', `filesystem_folder = ${join(dir, 'collections')}`,
      '[web]', 'type = none',
      '[logging]', 'level = info',
      '',
    ].join('\n'));
    cmd = 'radicale';
    args = ['-C', config];
    // Radicale's PUT costs grow with the collection; files laid down before it starts cost nothing.
    for (const calendar of preload) {
      const folder = join(dir, 'collections', 'collection-root', username, calendar.slug);
      await mkdir(folder, { recursive: true });
      await writeFile(join(folder, '.Radicale.props'), JSON.stringify({ 'C:supported-calendar-component-set': 'VEVENT,VTODO', 'D:displayname': calendar.displayName, tag: 'VCALENDAR' }));
      for (const object of calendar.objects) await writeFile(join(folder, object.name), object.ics);
    }
  } else {
    cmd = 'xandikos';
    args = ['-d', join(dir, 'data'), '-l', HOST, '-p', String(port), '--current-user-principal', '/user/', '--defaults'];
  }

  const log = lineBuffer();
  const child = spawn(cmd, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  running.set(child, dir);
  let spawnError: Error | undefined;
  child.on('error', (err) => { spawnError = err; });
  child.stdout!.on('data', (c: Buffer) => log.push(c));
  child.stderr!.on('data', (c: Buffer) => log.push(c));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const isRunning = () => child.exitCode === null && child.signalCode === null && !spawnError;

  async function request(method: string, url: string, body?: string, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(url, {
      method,
      body,
      headers: { Authorization: auth, ...headers },
      redirect: 'manual',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  }

  async function fail(message: string): Promise<never> {
    await stop();
    throw new Error(`${kind}: ${message}\n--- last server output ---\n${log.tail(30) || '(none)'}`);
  }

  // True if the child exited within ms; the timer is cleared so it never holds the process open.
  async function waitExit(ms: number): Promise<boolean> {
    const ac = new AbortController();
    const timeout = sleep(ms, false, { signal: ac.signal }).catch(() => false);
    const result = await Promise.race([exited.then(() => true), timeout]);
    ac.abort();
    return result;
  }

  let stopped = false;
  async function stop(): Promise<void> {
    if (stopped) return;
    stopped = true;
    if (isRunning()) {
      child.kill('SIGTERM');
      if (!(await waitExit(5_000))) {
        child.kill('SIGKILL');
        await waitExit(2_000);
      }
    }
    running.delete(child);
    await rm(dir, { recursive: true, force: true });
  }

  // Ready when the server answers HTTP at all (Radicale) or /health says ok (Xandikos).
  let ready = false;
  let lastError = '';
  for (let i = 0; i < READY_TRIES && !ready; i++) {
    if (!isRunning()) {
      await fail(spawnError ? `could not start '${cmd}': ${spawnError.message} (run: bash test/install-servers.sh)` : `exited early (code ${child.exitCode}, signal ${child.signalCode})`);
    }
    try {
      const res = await fetch(baseUrl + (kind === 'xandikos' ? 'health' : ''), { signal: AbortSignal.timeout(1_000) });
      const text = await res.text();
      ready = kind === 'xandikos' ? res.ok && text.trim() === 'ok' : true;
      if (!ready) lastError = `HTTP ${res.status}`;
    } catch (err) {
      lastError = (err as Error).message;
    }
    if (!ready) await sleep(READY_SLEEP_MS);
  }
  if (!ready) await fail(`not ready on ${baseUrl} after ${READY_TRIES} tries (last error: ${lastError})`);

  let homeUrl: string;
  if (kind === 'radicale') {
    // Radicale creates the principal collection /test/ on the first authenticated request.
    homeUrl = `${baseUrl}${username}/`;
    const res = await request('PROPFIND', homeUrl,
      '<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/></d:prop></d:propfind>',
      { Depth: '0', 'Content-Type': XML });
    await res.arrayBuffer();
    if (res.status !== 207) await fail(`PROPFIND ${homeUrl} answered ${res.status}`);
  } else {
    homeUrl = `${baseUrl}user/calendars/`;
  }

  const server: CaldavServer = {
    kind,
    baseUrl,
    username,
    password,
    homeUrl,

    async createCalendar(slug, displayName, components) {
      const url = new URL(`${encodeURIComponent(slug)}/`, homeUrl).href;
      const componentSet = components
        ? `<C:supported-calendar-component-set>${components.map((name) => `<C:comp name="${xmlEscape(name)}"/>`).join('')}</C:supported-calendar-component-set>`
        : '';
      const body = '<?xml version="1.0" encoding="utf-8"?>'
        + '<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>'
        + `<D:displayname>${xmlEscape(displayName)}</D:displayname>${componentSet}`
        + '</D:prop></D:set></C:mkcalendar>';
      const res = await request('MKCALENDAR', url, body, { 'Content-Type': XML });
      const text = await res.text();
      if (res.status !== 201) throw new Error(`${kind}: MKCALENDAR ${url} answered ${res.status}: ${text.slice(0, 500)}`);
      return url;
    },

    async putObject(collectionUrl, name, ics) {
      const url = new URL(name, collectionUrl).href;
      const res = await request('PUT', url, ics, { 'Content-Type': 'text/calendar; charset=utf-8' });
      const text = await res.text();
      // Xandikos reports some failed PUTs (invalid data, duplicate UID) as a 207 with 412 inside.
      if (!res.ok || res.status === 207) throw new Error(`${kind}: PUT ${url} answered ${res.status}: ${text.slice(0, 500)}`);
      return res.headers.get('etag');
    },

    async deleteObject(collectionUrl, name) {
      const url = new URL(name, collectionUrl).href;
      const res = await request('DELETE', url);
      const text = await res.text();
      if (!res.ok) throw new Error(`${kind}: DELETE ${url} answered ${res.status}: ${text.slice(0, 500)}`);
    },

    async listObjects(collectionUrl) {
      const body = '<?xml version="1.0" encoding="utf-8"?>'
        + '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/><d:resourcetype/></d:prop></d:propfind>';
      const res = await request('PROPFIND', collectionUrl, body, { Depth: '1', 'Content-Type': XML });
      const xml = await res.text();
      if (res.status !== 207) throw new Error(`${kind}: PROPFIND ${collectionUrl} answered ${res.status}: ${xml.slice(0, 500)}`);

      const self = new URL(collectionUrl).pathname;
      const entries: Array<{ href: string; etag: string | null }> = [];
      for (const response of elements(xml, 'response')) {
        const href = xmlUnescape((elements(response, 'href')[0] ?? '').trim());
        if (!href || new URL(href, collectionUrl).pathname === self) continue;
        if (/<(?:[\w.-]+:)?collection\s*\/?>/.test(response)) continue; // sub-collection, not an object
        const etag = xmlUnescape((elements(response, 'getetag')[0] ?? '').trim());
        entries.push({ href, etag: etag || null });
      }
      entries.sort((a, b) => (a.href < b.href ? -1 : a.href > b.href ? 1 : 0));

      const out: Array<{ href: string; etag: string | null; data: string }> = [];
      for (const entry of entries) {
        const url = new URL(entry.href, collectionUrl).href;
        const got = await request('GET', url);
        const data = await got.text();
        if (!got.ok) throw new Error(`${kind}: GET ${url} answered ${got.status}: ${data.slice(0, 500)}`);
        out.push({ ...entry, data });
      }
      return out;
    },

    stop,
  };
  if (kind === 'xandikos') {
    // Xandikos keeps each calendar in git; its objects arrive the ordinary way.
    for (const calendar of preload) {
      const url = await server.createCalendar(calendar.slug, calendar.displayName);
      for (const object of calendar.objects) await server.putObject(url, object.name, object.ics);
    }
  }
  return server;
}
