// npm run bench: the cost of a first sync, a sync with nothing to do, and a sync after 10 changes,
// against real Radicale and Xandikos on 127.0.0.1, with requests counted by a proxy in between
// (independently of the tool). Where vdirsyncer is installed it does the same job side by side.
// Figures go to bench/results.md; nothing here is a test and nothing asserts on time.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startServer, type CaldavServer, type ServerKind } from '../test/harness/caldav-servers.ts';
import { startCountingProxy, type CountingProxy, type ServerFeatures } from '../test/harness/counting-proxy.ts';
import { edited, workload } from './workload.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const DAY = 86_400_000;

const { values: options } = parseArgs({
  options: {
    sizes: { type: 'string', default: '200,1000,5000' },
    // Xandikos commits every PUT to git (about 150 ms each): 5,000 objects in and 5,000 copies out
    // take about half an hour, so by default it runs the two smaller sizes.
    'xandikos-sizes': { type: 'string', default: '200,1000' },
    servers: { type: 'string', default: 'radicale,xandikos' },
    'local-size': { type: 'string', default: '10000' },
    out: { type: 'string', default: join(here, 'results.md') },
  },
});

interface Measure {
  wallMs: number;
  cpuMs: number | null;
  maxRssMB: number | null;
  requests: Record<string, number>;
  summary: string;
}

const total = (requests: Record<string, number>) => Object.values(requests).reduce((a, b) => a + b, 0);
const byMethod = (requests: Record<string, number>) =>
  Object.entries(requests)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([method, n]) => `${method} ${n}`)
    .join(', ');

function run(command: string, args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string; wallMs: number }> {
  const began = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr, wallMs: Math.round(performance.now() - began) }));
  });
}

/** One sync by this tool through the proxy; its own CPU time and peak memory come from bench/measured-sync.ts. */
async function toolRun(server: CaldavServer, proxy: CountingProxy, db: string): Promise<Measure> {
  proxy.reset();
  const via = (slug: string) => `${proxy.url}${new URL(server.homeUrl).pathname.slice(1)}${slug}/`;
  const result = await run(
    process.execPath,
    ['--import', 'tsx', join(here, 'measured-sync.ts'), '--source', via('source'), '--source-username', server.username, '--target', via('target'), '--target-username', server.username, '--db', db],
    { SOURCE_PASSWORD: server.password, TARGET_PASSWORD: server.password },
  );
  const resources = JSON.parse(/BENCH-RESOURCES (.*)/.exec(result.stderr)?.[1] ?? '{}') as { cpuMs?: number; maxRssMB?: number };
  if (result.code !== 0) throw new Error(`sync failed (exit ${result.code}):\n${result.stdout.slice(-2000)}\n${result.stderr.slice(-2000)}`);
  const summary = (result.stdout.trim().split('\n').at(-1) ?? '').replace(/^\S+ /, '').replace(/;.*/, '');
  return { wallMs: result.wallMs, cpuMs: resources.cpuMs ?? null, maxRssMB: resources.maxRssMB ?? null, requests: proxy.counts(), summary };
}

function hasCommand(name: string): Promise<boolean> {
  return new Promise((resolve) => execFile('sh', ['-c', `command -v ${name}`], (error) => resolve(!error)));
}

/** vdirsyncer copying the source objects (not instances) into another calendar, through the same proxy. */
async function vdirsyncerRun(server: CaldavServer, proxy: CountingProxy, work: string, step: 'discover' | 'sync'): Promise<Measure> {
  const config = join(work, 'vdirsyncer.conf');
  const via = (slug: string) => `${proxy.url}${new URL(server.homeUrl).pathname.slice(1)}${slug}/`;
  const storage = (name: string, slug: string) => [`[storage ${name}]`, 'type = "caldav"', `url = "${via(slug)}"`, `username = "${server.username}"`, `password = "${server.password}"`, ''];
  writeFileSync(config, ['[general]', `status_path = "${join(work, 'vdirsyncer-status')}/"`, '', '[pair bench]', 'a = "source"', 'b = "copy"', 'collections = null', 'conflict_resolution = "a wins"', '', ...storage('source', 'source'), ...storage('copy', 'vdir')].join('\n'));
  proxy.reset();
  const timed = (await hasCommand('/usr/bin/time')) ? ['/usr/bin/time', '-f', 'BENCH-TIME %U %S %M', 'vdirsyncer'] : ['vdirsyncer'];
  const result = await run(timed[0], [...timed.slice(1), '-c', config, step], { LC_ALL: 'C.UTF-8' });
  if (result.code !== 0) throw new Error(`vdirsyncer ${step} failed:\n${result.stderr.slice(-2000)}`);
  const time = /BENCH-TIME ([\d.]+) ([\d.]+) (\d+)/.exec(result.stderr);
  return {
    wallMs: result.wallMs,
    cpuMs: time ? Math.round((Number(time[1]) + Number(time[2])) * 1000) : null,
    maxRssMB: time ? Math.round(Number(time[3]) / 1024) : null,
    requests: proxy.counts(),
    summary: '',
  };
}

interface Row {
  server: ServerKind;
  size: number;
  step: string;
  tool: Measure;
  vdirsyncer?: Measure;
}

async function benchServer(kind: ServerKind, size: number, withVdirsyncer: boolean): Promise<Row[]> {
  const anchor = Math.floor(Date.now() / DAY) * DAY;
  const objects = workload(size, anchor);
  const work = mkdtempSync(join(tmpdir(), 'calsync-bench-'));
  console.error(`${kind} N=${size}: loading ${size} source objects`);
  const server = await startServer(kind, [{ slug: 'source', displayName: 'Source', objects }]);
  const proxy = await startCountingProxy(server.baseUrl);
  const rows: Row[] = [];
  try {
    await server.createCalendar('target', 'Target');
    if (withVdirsyncer) {
      await server.createCalendar('vdir', 'Vdirsyncer copy');
      await vdirsyncerRun(server, proxy, work, 'discover');
    }
    const db = join(work, 'sync.db');
    const step = async (name: string, features: ServerFeatures = 'sync-collection', compare = true) => {
      proxy.features = features;
      console.error(`${kind} N=${size}: ${name}`);
      const tool = await toolRun(server, proxy, db);
      const vdirsyncer = withVdirsyncer && compare ? await vdirsyncerRun(server, proxy, work, 'sync') : undefined;
      rows.push({ server: kind, size, step: name, tool, vdirsyncer });
    };
    await step('first sync');
    await step('no-op (sync-collection)');
    const sourceUrl = `${server.homeUrl}source/`;
    for (const object of objects.slice(0, 10)) await server.putObject(sourceUrl, object.name, edited(object).ics);
    await step('after 10 changes');
    // The same calendars, as a server with only getctag, then with neither, would answer.
    proxy.features = 'ctag-only';
    await toolRun(server, proxy, db);
    await step('no-op (getctag only)', 'ctag-only', false);
    proxy.features = 'plain';
    await toolRun(server, proxy, db);
    await step('no-op (neither)', 'plain', false);
  } finally {
    await proxy.close();
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
  return rows;
}

function localWork(size: number): Promise<{ objects: number; instances: number; ms: number; maxRssMB: number }> {
  return run(process.execPath, ['--import', 'tsx', join(here, 'local-work.ts'), String(size)], {}).then((result) => JSON.parse(result.stdout));
}

const cell = (m: Measure | undefined, pick: (m: Measure) => string) => (m ? pick(m) : '—');
const ratio = (a: number | null, b: number | null | undefined) => (a !== null && b ? `${(a / b).toFixed(2)}` : '—');

function table(rows: Row[]): string {
  const lines = [
    '| server | N | run | tool: result | tool: requests | tool: wall | tool: CPU | tool: peak RSS | vdirsyncer: requests | vdirsyncer: wall | vdirsyncer: CPU | vdirsyncer: peak RSS | requests tool/vdirsyncer | wall tool/vdirsyncer |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const { server, size, step, tool, vdirsyncer } of rows) {
    lines.push(
      `| ${server} | ${size} | ${step} | ${tool.summary} | ${total(tool.requests)} (${byMethod(tool.requests)}) | ${(tool.wallMs / 1000).toFixed(2)} s | ${tool.cpuMs === null ? '—' : `${(tool.cpuMs / 1000).toFixed(2)} s (${Math.round((100 * tool.cpuMs) / tool.wallMs)}%)`} | ${tool.maxRssMB ?? '—'} MB | ` +
        `${cell(vdirsyncer, (m) => `${total(m.requests)} (${byMethod(m.requests)})`)} | ${cell(vdirsyncer, (m) => `${(m.wallMs / 1000).toFixed(2)} s`)} | ${cell(vdirsyncer, (m) => (m.cpuMs === null ? '—' : `${(m.cpuMs / 1000).toFixed(2)} s`))} | ${cell(vdirsyncer, (m) => `${m.maxRssMB ?? '—'} MB`)} | ` +
        `${ratio(total(tool.requests), vdirsyncer ? total(vdirsyncer.requests) : undefined)} | ${ratio(tool.wallMs, vdirsyncer?.wallMs)} |`,
    );
  }
  return lines.join('\n');
}

const withVdirsyncer = await hasCommand('vdirsyncer');
const rows: Row[] = [];
for (const kind of options.servers.split(',') as ServerKind[]) {
  const sizes = (kind === 'xandikos' ? options['xandikos-sizes'] : options.sizes).split(',').filter(Boolean).map(Number);
  for (const size of sizes) rows.push(...(await benchServer(kind, size, withVdirsyncer)));
}
const local = await localWork(Number(options['local-size']));
const report = [
  '# Benchmark results',
  '',
  `Made by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: Node ${process.version}, ${cpus().length} cores; Radicale and Xandikos from Debian on 127.0.0.1;` +
    ` requests counted by a proxy between client and server. Workload: \`bench/workload.ts\` (a fifth recurring series with an override and an EXDATE,` +
    ` four time zones, all-day events), default window (30 days back, 90 ahead).` +
    (withVdirsyncer ? ' vdirsyncer copies the same source objects (not instances) into another calendar through the same proxy.' : ' vdirsyncer was not installed, so its columns are empty.'),
  '',
  'Rows "getctag only" and "neither": the same calendars through the proxy acting as a server without sync-collection, and without getctag too.',
  '',
  table(rows),
  '',
  `Local work alone (parse, expand, render, plan; \`bench/local-work.ts\`): ${local.objects} source objects, ${local.instances} instances: ${(local.ms / 1000).toFixed(2)} s, peak RSS ${local.maxRssMB} MB.`,
  '',
].join('\n');
writeFileSync(options.out, report);
console.log(report);
