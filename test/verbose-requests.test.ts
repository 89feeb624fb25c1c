// --verbose against a real server (Radicale, with a login): one line per request with method, path,
// status and time, as many as the summary counts, and the password nowhere, plain or as Basic; and
// against no server at all, each attempt with why it failed.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startServer, type CaldavServer } from './harness/caldav-servers.ts';
import { runCli, runOnCalendars, summaryRequests } from './harness/run-cli.ts';

// Found nowhere else in a run's output, unlike the harness's default password ("test", also the user name).
const PASSWORD = 'Pw-never-printed-7319';
const REQUEST_LINE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z request (source|target) (PROPFIND|REPORT|GET|PUT|DELETE) (\/\S*) (\d{3}) \d+ ms$/;

let server: CaldavServer;
let work: string;
let calendars: Parameters<typeof runOnCalendars>[0];

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'calsync-verbose-'));
  server = await startServer('radicale', [], PASSWORD);
  const source = await server.createCalendar('work', 'Work');
  const target = await server.createCalendar('mirror', 'Mirror');
  for (const name of ['standup.ics', 'holiday.ics']) await server.putObject(source, name, readFileSync(new URL(`./fixtures/caldav/${name}`, import.meta.url), 'utf8'));
  calendars = { server, source, target, db: join(work, 'sync.db') };
});
after(async () => {
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** The password as typed and as a Basic Authorization header carries it. */
function assertNoPassword(output: string) {
  for (const secret of [PASSWORD, Buffer.from(`${server.username}:${PASSWORD}`).toString('base64'), Buffer.from(PASSWORD).toString('base64')]) {
    assert.equal(output.includes(secret), false, `"${secret}" is in the output`);
  }
  assert.doesNotMatch(output, /authorization|basic /i);
}

const byMethod = (methods: string[]) => methods.reduce<Record<string, number>>((all, method) => ({ ...all, [method]: (all[method] ?? 0) + 1 }), {});

test('--verbose prints each request with its side, method, path, status and time, exactly as many as the summary counts', async () => {
  const run = await runOnCalendars(calendars, ['--verbose']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr, '');
  const requests = run.stdout.split('\n').filter((line) => line.includes(' request '));
  for (const line of requests) assert.match(line, REQUEST_LINE);
  const seen = requests.map((line) => REQUEST_LINE.exec(line)!);
  assert.deepEqual(byMethod(seen.map((m) => m[2])), summaryRequests(run.stdout));
  // Each side's requests stay on its own collection (or the discovery above it); the writes go to the target.
  assert.deepEqual([...new Set(seen.filter((m) => m[2] === 'PUT').map((m) => `${m[1]} ${m[4]}`))], ['target 201']);
  assert.equal(seen.filter((m) => m[2] === 'PUT').every((m) => m[3].startsWith(new URL(calendars.target).pathname)), true);
  assertNoPassword(run.stdout + run.stderr);
});

test('--verbose --log-json: each request is a JSON line with exactly its fields, the password nowhere', async () => {
  const run = await runOnCalendars(calendars, ['--verbose', '--log-json']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr, '');
  const lines = run.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  const requests = lines.filter((line) => line.event === 'request');
  assert.notEqual(requests.length, 0);
  for (const request of requests) {
    assert.deepEqual(Object.keys(request), ['time', 'level', 'event', 'message', 'side', 'method', 'path', 'status', 'ms', 'attempt']);
    assert.equal(request.level, 'verbose');
    assert.equal(request.attempt, 1);
    assert.equal(typeof request.status, 'number');
  }
  const summary = lines.at(-1)!;
  assert.equal(summary.event, 'summary');
  assert.deepEqual(byMethod(requests.map((r) => String(r.method))), summary.requestsByMethod);
  assert.equal(summary.requests, requests.length);
  assertNoPassword(run.stdout + run.stderr);
});

test('--verbose: a request without an answer says why, and its retry says which attempt it is', async () => {
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
  const run = await runCli(['--source', `http://127.0.0.1:${port}/dav/`, '--target', join(work, 'unused'), '--db', join(work, 'refused.db'), '--verbose', '--retry-attempts', '2', '--retry-max-delay', '0.1']);
  assert.equal(run.code, 5);
  assert.deepEqual(run.stdout.trimEnd().split('\n').map((line) => line.replace(/^\S+Z /, '').replace(/\d+ ms/, 'N ms')), [
    'request source PROPFIND /dav/ connection refused N ms',
    'request source PROPFIND /dav/ connection refused N ms (attempt 2)',
  ]);
  assert.equal(run.stderr, `error: cannot reach the source server http://127.0.0.1:${port}: connection refused (PROPFIND /dav/, 2 attempts); check the source URL and that the server is running\n`);
});
