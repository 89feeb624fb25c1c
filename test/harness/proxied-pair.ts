// A source and a target calendar on one real server, both reached through one fault proxy, with
// their own state database: what the quirk tests run syncs on. The source holds the stand-up, the
// holiday and the NY call; `changeSource` renames the holiday and deletes the call, so a second run
// has one update and one delete to do.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { startServer, type CaldavServer, type ServerKind } from './caldav-servers.ts';
import { describeCopies } from './describe-copies.ts';
import { startFaultProxy, type FaultProxy } from './fault-proxy.ts';
import { HOLIDAY_COPY, NY_CALL_COPY, STANDUP_COPIES } from './fixture-copies.ts';
import { runCli, summaryCounts, type CliResult } from './run-cli.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/caldav/${name}`, import.meta.url), 'utf8');

/** The target after the first run, in describeCopies' form. */
export const FIRST_COPIES = [HOLIDAY_COPY, NY_CALL_COPY, ...STANDUP_COPIES].sort();
/** The target after `changeSource` and a run. */
export const CHANGED_COPIES = [HOLIDAY_COPY.replace('| Company holiday |', '| Company holiday (renamed) |'), ...STANDUP_COPIES].sort();

export interface ProxiedPair {
  proxy: FaultProxy;
  /** The collections' paths, the same through the proxy and on the server. */
  sourcePath: string;
  targetPath: string;
  /** The pair's state database. */
  db: string;
  /** A run over October 2026, one request at a time (so counts are exact); what the proxy saw of it. */
  sync(...extra: string[]): Promise<{ run: CliResult; seen: Record<string, number>; injected: string[] }>;
  /** The target as the server holds it; a copy made twice shows twice. */
  target(): Promise<string[]>;
  /** A run after `changeSource` has been synced: nothing to do, one sync-collection per side. */
  runsQuiet(): Promise<void>;
  /** The holiday renamed and the NY call deleted, on the server directly. */
  changeSource(): Promise<void>;
  close(): Promise<void>;
}

/** A fresh pair named `slug` on `server`; `work` holds its state database. */
export async function startProxiedPair(server: CaldavServer, work: string, slug: string): Promise<ProxiedPair> {
  const sourceUrl = await server.createCalendar(`${slug}-source`, `${slug} source`);
  const targetUrl = await server.createCalendar(`${slug}-target`, `${slug} target`);
  for (const name of ['standup.ics', 'holiday.ics', 'ny-call.ics']) await server.putObject(sourceUrl, name, fixture(name));
  const proxy = await startFaultProxy(server.baseUrl);
  const dir = join(work, slug);
  mkdirSync(dir);
  const sourcePath = new URL(sourceUrl).pathname;
  const targetPath = new URL(targetUrl).pathname;
  const via = (path: string) => new URL(path, proxy.url).href;
  const args = [
    '--source', via(sourcePath), '--source-username', server.username, '--target', via(targetPath), '--target-username', server.username,
    '--from', '2026-10-01', '--to', '2026-11-01', '--db', join(dir, 'sync.db'), '--concurrency', '1',
  ];
  const pair: ProxiedPair = {
    proxy,
    sourcePath,
    targetPath,
    db: join(dir, 'sync.db'),
    async sync(...extra) {
      proxy.reset();
      const run = await runCli([...args, ...extra], { env: { SOURCE_PASSWORD: server.password, TARGET_PASSWORD: server.password, RETRY_MAX_DELAY_SECONDS: '2' } });
      return { run, seen: proxy.counts(), injected: proxy.injected() };
    },
    target: async () => describeCopies(await server.listObjects(targetUrl)),
    async runsQuiet() {
      const quiet = await pair.sync();
      assert.equal(quiet.run.code, 0, quiet.run.stdout + quiet.run.stderr);
      assert.deepEqual(summaryCounts(quiet.run.stdout), runCounts({ unchanged: CHANGED_COPIES.length }), quiet.run.stdout);
      assert.deepEqual(quiet.seen, { 'REPORT sync-collection': 2 });
    },
    async changeSource() {
      await server.putObject(sourceUrl, 'holiday.ics', fixture('holiday.ics').replace('SUMMARY:Company holiday', 'SUMMARY:Company holiday (renamed)'));
      await server.deleteObject(sourceUrl, 'ny-call.ics');
    },
    close: () => proxy.close(),
  };
  return pair;
}

/**
 * A `kind` server started before the tests of the enclosing suite (or file) and stopped after them;
 * `startPair` makes a fresh pair on it.
 */
export function proxiedPairs(kind: ServerKind): { server: () => CaldavServer; startPair: (slug: string) => Promise<ProxiedPair> } {
  let server: CaldavServer;
  let work: string;
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'calsync-quirks-'));
    server = await startServer(kind);
  });
  after(async () => {
    await server?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });
  return { server: () => server, startPair: (slug) => startProxiedPair(server, work, slug) };
}

/** A run's summary counts: these, and 0 for the rest. */
export function runCounts(some: Partial<Record<'created' | 'updated' | 'deleted' | 'unchanged' | 'failed', number>>): Record<string, number> {
  return { created: 0, updated: 0, deleted: 0, unchanged: 0, retired: 0, skipped: 0, failed: 0, ...some };
}
