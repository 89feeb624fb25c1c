// Logins and the way to the calendar against real Radicale, through loopback layers that make it
// look like other servers: Digest auth (Baikal's default; Radicale has none, so a checking proxy
// answers for it), .well-known/caldav redirects from a server root that is a web page, and HTTPS
// with a self-signed certificate made for the test. Each run's target is checked through Radicale's
// own answers.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startServer, type CaldavServer } from './harness/caldav-servers.ts';
import { describeCopies } from './harness/describe-copies.ts';
import { startDigestProxy, type DigestProxyOptions } from './harness/digest-proxy.ts';
import { HOLIDAY_COPY, STANDUP_COPIES } from './harness/fixture-copies.ts';
import { startRelay } from './harness/relay-proxy.ts';
import { runCli, summaryCounts, summaryRequests } from './harness/run-cli.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/caldav/${name}`, import.meta.url), 'utf8');

/** Written by hand from standup.ics and holiday.ics (see fixture-copies.ts). */
const COPIES = [HOLIDAY_COPY, ...STANDUP_COPIES];
const FIRST_RUN = { created: COPIES.length, updated: 0, deleted: 0, unchanged: 0, retired: 0, skipped: 0, failed: 0 };

const tally = (items: string[]) => items.reduce<Record<string, number>>((counts, item) => ({ ...counts, [item]: (counts[item] ?? 0) + 1 }), {});
const total = (requests: Record<string, number>) => Object.values(requests).reduce((sum, n) => sum + n, 0);

describe('logins and discovery on radicale', () => {
  let server: CaldavServer;
  let work: string;
  let sourceUrl: string;
  let pairs = 0;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'calsync-login-'));
    server = await startServer('radicale');
    sourceUrl = await server.createCalendar('work', 'Work');
    for (const name of ['standup.ics', 'holiday.ics']) await server.putObject(sourceUrl, name, fixture(name));
  });
  after(async () => {
    await server?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** A fresh target calendar and state database; `run` syncs into it with the source and settings given. */
  async function newPair() {
    const n = ++pairs;
    const targetUrl = await server.createCalendar(`mirror${n}`, `Mirror ${n}`);
    return {
      targetUrl,
      run: (args: string[], env: Record<string, string> = {}) =>
        runCli([...args, '--source-username', server.username, '--target-username', server.username, '--from', '2026-10-01', '--to', '2026-11-01', '--db', join(work, `sync${n}.db`)], {
          env: { SOURCE_PASSWORD: server.password, TARGET_PASSWORD: server.password, ...env },
        }),
      copies: async () => describeCopies(await server.listObjects(targetUrl)),
    };
  }

  const digestProxy = (options: Partial<DigestProxyOptions>) =>
    startDigestProxy(server.baseUrl, server, { username: server.username, password: server.password, algorithms: ['MD5'], ...options });
  const through = (proxyUrl: string, url: string) => new URL(new URL(url).pathname, proxyUrl).href;

  test('Digest (MD5, qop=auth) on both sides: the first request, Basic, is challenged, every other one answers the challenge, the copies are exact; from then on no Basic is sent at all', async () => {
    const proxy = await digestProxy({});
    try {
      const pair = await newPair();
      const { code, stdout, stderr } = await pair.run(['--source', through(proxy.url, sourceUrl), '--target', through(proxy.url, pair.targetUrl)]);
      assert.equal(code, 0, stdout + stderr);
      assert.deepEqual(summaryCounts(stdout), FIRST_RUN, stdout);
      const requests = total(summaryRequests(stdout));
      // Both sides are one server and one account: once the source has met the challenge, the target sends no Basic.
      assert.deepEqual(tally(proxy.seen()), { basic: 1, none: 1, 'MD5 ok': requests - 2 });
      assert.deepEqual(await pair.copies(), COPIES);
      // The state remembers that the server wants Digest: the next run sends no Basic before the challenge.
      const firstRun = proxy.seen().length;
      const next = await pair.run(['--source', through(proxy.url, sourceUrl), '--target', through(proxy.url, pair.targetUrl)]);
      assert.equal(next.code, 0, next.stdout + next.stderr);
      assert.deepEqual(tally(proxy.seen().slice(firstRun)), { none: 2, 'MD5 ok': total(summaryRequests(next.stdout)) - 2 });
    } finally {
      await proxy.close();
    }
  });

  test('SHA-256 is chosen when offered beside MD5, a stale nonce is renewed without a failure, and a Basic server beside it keeps Basic', async () => {
    const proxy = await digestProxy({ algorithms: ['MD5', 'SHA-256'], nonceUses: 3 });
    try {
      const pair = await newPair();
      // The source is Radicale itself (Basic); one write at a time, so the target's requests come in a known order.
      const { code, stdout, stderr } = await pair.run(['--source', sourceUrl, '--target', through(proxy.url, pair.targetUrl), '--concurrency', '1']);
      assert.equal(code, 0, stdout + stderr);
      assert.deepEqual(summaryCounts(stdout), FIRST_RUN, stdout);
      const seen = proxy.seen();
      const answered = seen.filter((verdict) => verdict === 'SHA-256 ok').length;
      // Basic, challenged; then three requests per nonce, the fourth told its nonce is stale and sent again.
      const expected = ['basic', ...Array.from({ length: answered }, (_, i) => (i > 0 && i % 3 === 0 ? ['stale', 'SHA-256 ok'] : ['SHA-256 ok'])).flat()];
      assert.deepEqual(seen, expected);
      assert.ok(answered >= COPIES.length, `${answered} requests answered`);
      assert.deepEqual(await pair.copies(), COPIES);
    } finally {
      await proxy.close();
    }
  });

  test('a wrong password against Digest: two requests, no retries, one line naming the server and the account, exit 4', async () => {
    const proxy = await digestProxy({});
    try {
      const pair = await newPair();
      const { code, stdout, stderr } = await pair.run(['--source', through(proxy.url, sourceUrl), '--target', pair.targetUrl], { SOURCE_PASSWORD: 'not-the-password' });
      assert.equal(code, 4, stdout + stderr);
      assert.equal(stderr, `error: the source server ${new URL(proxy.url).origin} refused the login of user "${server.username}" (HTTP 401); check SOURCE_USERNAME and SOURCE_PASSWORD\n`);
      assert.deepEqual(proxy.seen(), ['basic', 'MD5 wrong']);
      assert.deepEqual(await pair.copies(), []);
    } finally {
      await proxy.close();
    }
  });

  for (const status of [301, 302, 307, 308]) {
    test(`the server root, a web page, is enough: /.well-known/caldav answers ${status}, so does the next hop, and the calendar is found by name with the login kept`, async () => {
      const seen: string[] = [];
      const principal = new URL(server.homeUrl).pathname;
      const redirects: Record<string, string> = { '/.well-known/caldav': '/principals/', '/principals/': principal };
      const proxy = await startRelay(server.baseUrl, {
        before(request) {
          const to = redirects[request.path];
          seen.push(`${request.method} ${request.path} ${request.headers.authorization ? 'with login' : 'without login'}${to ? ` -> ${status}` : ''}`);
          if (to) return { status, headers: { location: to }, body: Buffer.alloc(0) };
          if (request.path === '/') return { status: 200, headers: { 'content-type': 'text/html' }, body: Buffer.from('<html><body>Welcome</body></html>') };
        },
      });
      try {
        const pair = await newPair();
        const { code, stdout, stderr } = await pair.run(['--source', proxy.url, '--source-calendar', 'Work', '--target', pair.targetUrl]);
        assert.equal(code, 0, stdout + stderr);
        assert.deepEqual(summaryCounts(stdout), FIRST_RUN, stdout);
        assert.deepEqual(await pair.copies(), COPIES);
        assert.ok(seen.includes(`PROPFIND /.well-known/caldav with login -> ${status}`), seen.join('\n'));
        assert.ok(seen.includes(`PROPFIND /principals/ with login -> ${status}`), seen.join('\n'));
        assert.ok(seen.includes(`PROPFIND ${principal} with login`), seen.join('\n'));
        assert.deepEqual(seen.filter((line) => line.includes('without login')), []);
      } finally {
        await proxy.close();
      }
    });
  }

  describe('HTTPS with a self-signed certificate', () => {
    let tlsDir: string;
    let certificate: string;
    let proxy: Awaited<ReturnType<typeof startRelay>>;

    before(async () => {
      // Made for this run only (openssl is a test requirement, like Radicale): nothing to expire in the repository.
      tlsDir = mkdtempSync(join(tmpdir(), 'calsync-tls-'));
      certificate = join(tlsDir, 'cert.pem');
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1',
        '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(tlsDir, 'key.pem'), '-out', certificate], { stdio: 'pipe' });
      proxy = await startRelay(server.baseUrl, {}, { key: readFileSync(join(tlsDir, 'key.pem'), 'utf8'), cert: readFileSync(certificate, 'utf8') });
    });
    after(async () => {
      await proxy?.close();
      if (tlsDir) rmSync(tlsDir, { recursive: true, force: true });
    });

    test('without its CA: one connection, not retried, one line naming the server and NODE_EXTRA_CA_CERTS, exit 5, nothing written', async () => {
      const pair = await newPair();
      const { code, stdout, stderr } = await pair.run(['--source', through(proxy.url, sourceUrl), '--target', pair.targetUrl]);
      assert.equal(code, 5, stdout + stderr);
      assert.equal(
        stderr,
        `error: the source server ${new URL(proxy.url).origin} has a TLS certificate this machine does not trust (self-signed certificate); if it comes from a private or self-signed CA, set NODE_EXTRA_CA_CERTS to that CA's PEM file\n`,
      );
      assert.equal(proxy.connections(), 1);
      assert.deepEqual(await pair.copies(), []);
    });

    test('with NODE_EXTRA_CA_CERTS naming it: the sync goes through, the copies exact', async () => {
      const pair = await newPair();
      const { code, stdout, stderr } = await pair.run(['--source', through(proxy.url, sourceUrl), '--target', pair.targetUrl], { NODE_EXTRA_CA_CERTS: certificate });
      assert.equal(code, 0, stdout + stderr);
      assert.deepEqual(summaryCounts(stdout), FIRST_RUN, stdout);
      assert.deepEqual(await pair.copies(), COPIES);
    });
  });
});
