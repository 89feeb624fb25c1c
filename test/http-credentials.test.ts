// Where lib/http.ts sends credentials: to the configured origin only, across redirects as well; a
// Digest challenge from another origin is not answered; a login scheme it cannot do ends the run
// with one line. Two loopback servers on different ports are two origins.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { after, before, test } from 'node:test';
import { EXIT, UserError } from '../lib/errors.ts';
import { createHttp, newRequestStats } from '../lib/http.ts';
import { DEFAULT_NETWORK_POLICY } from '../lib/retry-policy.ts';

/** Each request a server got: "PATH AUTHORIZATION-SCHEME" ('-' without one). */
type Log = string[];

async function listen(route: (request: IncomingMessage, response: ServerResponse) => void, log: Log): Promise<{ server: Server; origin: string }> {
  const server = createServer((request, response) => {
    log.push(`${request.url} ${request.headers.authorization?.split(' ')[0] ?? '-'}`);
    route(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

const ownLog: Log = [];
const otherLog: Log = [];
let own: { server: Server; origin: string };
let other: { server: Server; origin: string };

before(async () => {
  other = await listen((request, response) => {
    if (request.url === '/digest') response.writeHead(401, { 'www-authenticate': 'Digest realm="other", nonce="n1", qop="auth"' }).end();
    else response.writeHead(200).end('elsewhere');
  }, otherLog);
  own = await listen((request, response) => {
    const to = { '/away': `${other.origin}/landing`, '/away-digest': `${other.origin}/digest`, '/here': '/landing' }[request.url ?? ''];
    if (to !== undefined) response.writeHead(307, { location: to }).end();
    else if (request.url === '/bearer') response.writeHead(401, { 'www-authenticate': 'Bearer realm="api", error="invalid_token"' }).end();
    else response.writeHead(200).end('here');
  }, ownLog);
});
after(async () => {
  await new Promise((resolve) => own.server.close(resolve));
  await new Promise((resolve) => other.server.close(resolve));
});

const http = () => createHttp(`${own.origin}/`, { username: 'alice', password: 'secret', network: DEFAULT_NETWORK_POLICY }, newRequestStats(), 'source');

test('a redirect within the origin keeps the credentials; one to another port drops them', async () => {
  ownLog.length = otherLog.length = 0;
  const { fetch } = http();
  assert.equal(await (await fetch(`${own.origin}/here`, { method: 'PROPFIND' })).text(), 'here');
  assert.equal(await (await fetch(`${own.origin}/away`, { method: 'PROPFIND', headers: { authorization: 'Basic c3RvbGVu' } })).text(), 'elsewhere');
  assert.deepEqual(ownLog, ['/here Basic', '/landing Basic', '/away Basic']);
  // Not even an Authorization the caller set itself goes to another origin.
  assert.deepEqual(otherLog, ['/landing -']);
});

test('a Digest challenge from another origin is not answered: one request without credentials, its 401 given back', async () => {
  ownLog.length = otherLog.length = 0;
  const response = await http().fetch(`${own.origin}/away-digest`, { method: 'PROPFIND' });
  assert.equal(response.status, 401);
  assert.deepEqual(ownLog, ['/away-digest Basic']);
  assert.deepEqual(otherLog, ['/digest -']);
});

test('a login this tool cannot give (Bearer) ends the run with one line naming the server and the scheme, exit 4', async () => {
  ownLog.length = 0;
  await assert.rejects(http().fetch(`${own.origin}/bearer`, { method: 'PROPFIND' }), (error: unknown) => {
    assert.ok(error instanceof UserError);
    assert.equal(error.exitCode, EXIT.auth);
    assert.equal(error.message, `the source server ${own.origin} asks for a login this tool cannot give (bearer); it can do Basic, and Digest with MD5 or SHA-256`);
    return true;
  });
  assert.deepEqual(ownLog, ['/bearer Basic']);
});
