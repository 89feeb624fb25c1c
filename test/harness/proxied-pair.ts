// A source and a target calendar on one real server, both reached through one fault proxy, with
// their own state database: what the quirk tests run syncs on. The source holds the stand-up, the
// holiday and the NY call; `changeSource` renames the holiday and deletes the call, so a second run
// has one update and one delete to do.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CaldavServer } from './caldav-servers.ts';
import { describeCopies } from './describe-copies.ts';
import { startFaultProxy, type FaultProxy } from './fault-proxy.ts';
import { HOLIDAY_COPY, NY_CALL_COPY, STANDUP_COPIES } from './fixture-copies.ts';
import { runCli, type CliResult } from './run-cli.ts';

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
  return {
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
    async changeSource() {
      await server.putObject(sourceUrl, 'holiday.ics', fixture('holiday.ics').replace('SUMMARY:Company holiday', 'SUMMARY:Company holiday (renamed)'));
      await server.deleteObject(sourceUrl, 'ny-call.ics');
    },
    close: () => proxy.close(),
  };
}
