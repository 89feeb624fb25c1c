// The fault proxy itself, against a real Radicale with plain fetch: each way of misbehaving that
// emulates another server's quirk does what it says, so tests built on it test what they claim.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startServer, type CaldavServer } from './harness/caldav-servers.ts';
import { startFaultProxy, type FaultProxy } from './harness/fault-proxy.ts';

let server: CaldavServer;
let proxy: FaultProxy;
let collection: string;
let auth: string;

const EVENT = (uid: string) => ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//proxy//EN', 'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20260901T000000Z', 'DTSTART:20261001T100000Z', 'SUMMARY:x', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
const XML = { 'content-type': 'application/xml; charset=utf-8' };
const multiget = (...hrefs: string[]) =>
  `<?xml version="1.0"?><c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/></d:prop>${hrefs.map((h) => `<d:href>${h}</d:href>`).join('')}</c:calendar-multiget>`;
const syncCollection = (token: string) => `<?xml version="1.0"?><d:sync-collection xmlns:d="DAV:"><d:sync-token>${token}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`;
const hrefs = (xml: string) => [...xml.matchAll(/<(?:[\w-]+:)?href>([^<]*)<\/(?:[\w-]+:)?href>/g)].map((m) => m[1]);
const statuses = (xml: string) => [...xml.matchAll(/<(?:[\w-]+:)?status>HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));

/** A request through the proxy, with the server's credentials. */
const ask = (path: string, init: RequestInit = {}) => fetch(new URL(path, proxy.url), { ...init, headers: { authorization: auth, ...init.headers } });

before(async () => {
  server = await startServer('radicale');
  auth = `Basic ${Buffer.from(`${server.username}:${server.password}`).toString('base64')}`;
  const url = await server.createCalendar('quirks', 'Quirks');
  collection = new URL(url).pathname;
  await server.putObject(url, 'a.ics', EVENT('a@proxy'));
  await server.putObject(url, 'b.ics', EVENT('b@proxy'));
  proxy = await startFaultProxy(server.baseUrl);
});
after(async () => {
  await proxy?.close();
  await server?.stop();
});

test('emlHrefs: object hrefs are shown ending in .eml, and a .eml href asked for is the .ics object; one a client PUT keeps its .ics href', async () => {
  proxy.emlHrefs = true;
  try {
    const listing = await (await ask(collection, { method: 'PROPFIND', headers: { depth: '1', ...XML }, body: '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>' })).text();
    assert.deepEqual(hrefs(listing).sort(), [collection, `${collection}a.eml`, `${collection}b.eml`]);
    const got = await ask(`${collection}a.eml`);
    assert.equal(got.status, 200);
    assert.match(await got.text(), /UID:a@proxy/);
    const read = await (await ask(collection, { method: 'REPORT', headers: { depth: '1', ...XML }, body: multiget(`${collection}b.eml`) })).text();
    assert.deepEqual(hrefs(read), [`${collection}b.eml`]);
    assert.deepEqual(statuses(read), [200]);
    // What a client PUT stays where it put it.
    assert.equal((await ask(`${collection}mine.ics`, { method: 'PUT', headers: { 'content-type': 'text/calendar' }, body: EVENT('mine@proxy') })).status, 201);
    const after = await (await ask(collection, { method: 'PROPFIND', headers: { depth: '1', ...XML }, body: '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>' })).text();
    assert.deepEqual(hrefs(after).sort(), [collection, `${collection}a.eml`, `${collection}b.eml`, `${collection}mine.ics`]);
  } finally {
    proxy.emlHrefs = false;
  }
});

test('stripEtags: answers come without an ETag header', async () => {
  assert.notEqual((await ask(`${collection}a.ics`)).headers.get('etag'), null);
  proxy.stripEtags = true;
  try {
    assert.equal((await ask(`${collection}a.ics`)).headers.get('etag'), null);
  } finally {
    proxy.stripEtags = false;
  }
});

test('etagForm: ETag headers come weak or unquoted', async () => {
  const etag = (await ask(`${collection}a.ics`)).headers.get('etag') ?? '';
  assert.match(etag, /^"[^"]+"$/);
  try {
    proxy.etagForm = 'weak';
    assert.equal((await ask(`${collection}a.ics`)).headers.get('etag'), `W/${etag}`);
    proxy.etagForm = 'unquoted';
    assert.equal((await ask(`${collection}a.ics`)).headers.get('etag'), etag.slice(1, -1));
  } finally {
    proxy.etagForm = null;
  }
});

test('multigetLimit: a calendar-multiget answer keeps only its first N responses, with nothing said of the rest', async () => {
  proxy.multigetLimit = 1;
  try {
    const read = await ask(collection, { method: 'REPORT', headers: { depth: '1', ...XML }, body: multiget(`${collection}a.ics`, `${collection}b.ics`) });
    assert.equal(read.status, 207);
    // Radicale answers in an order of its own: one of the two, whichever it put first.
    const kept = hrefs(await read.text());
    assert.equal(kept.length, 1, kept.join(', '));
    assert.ok([`${collection}a.ics`, `${collection}b.ics`].includes(kept[0]), kept[0]);
  } finally {
    proxy.multigetLimit = null;
  }
});

test('syncCollectionLimit: a sync-collection answer keeps its first N responses and says 507 for the collection', async () => {
  proxy.syncCollectionLimit = 1;
  try {
    const delta = await (await ask(collection, { method: 'REPORT', headers: { depth: '1', ...XML }, body: syncCollection('') })).text();
    const got = hrefs(delta);
    assert.equal(got.length, 2, delta);
    assert.equal(got[1], collection);
    assert.deepEqual(statuses(delta), [200, 507]);
  } finally {
    proxy.syncCollectionLimit = null;
  }
});

test('refuseSyncTokens: a sync-collection from a token is refused with 403 valid-sync-token (or 409, 500); from no token it is answered', async () => {
  const first = await (await ask(collection, { method: 'REPORT', headers: { depth: '1', ...XML }, body: syncCollection('') })).text();
  const token = /<(?:[\w-]+:)?sync-token>([^<]+)</.exec(first)?.[1];
  assert.ok(token, first);
  proxy.refuseSyncTokens = true;
  try {
    const refused = await ask(collection, { method: 'REPORT', headers: { depth: '1', ...XML }, body: syncCollection(token) });
    assert.equal(refused.status, 403);
    assert.match(await refused.text(), /valid-sync-token/);
    assert.equal((await ask(collection, { method: 'REPORT', headers: { depth: '1', ...XML }, body: syncCollection('') })).status, 207);
    for (const status of [409, 500] as const) {
      proxy.refuseSyncTokensWith = status;
      assert.equal((await ask(collection, { method: 'REPORT', headers: { depth: '1', ...XML }, body: syncCollection(token) })).status, status);
    }
  } finally {
    proxy.refuseSyncTokens = false;
    proxy.refuseSyncTokensWith = 403;
  }
});

test('writesAs207: PUT and DELETE are answered 207 with the server\'s own status inside, and are done', async () => {
  proxy.writesAs207 = true;
  try {
    const put = await ask(`${collection}c.ics`, { method: 'PUT', headers: { 'content-type': 'text/calendar', 'if-none-match': '*' }, body: EVENT('c@proxy') });
    assert.equal(put.status, 207);
    assert.deepEqual(statuses(await put.text()), [201]);
    const again = await ask(`${collection}c.ics`, { method: 'PUT', headers: { 'content-type': 'text/calendar', 'if-none-match': '*' }, body: EVENT('c@proxy') });
    assert.deepEqual([again.status, statuses(await again.text())], [207, [412]]);
    const removed = await ask(`${collection}c.ics`, { method: 'DELETE' });
    assert.equal(removed.status, 207);
    assert.deepEqual(statuses(await removed.text()), [200]);
  } finally {
    proxy.writesAs207 = false;
  }
  assert.equal((await ask(`${collection}c.ics`)).status, 404);
});

test('delay: the answer is relayed whole after the delay, and the fault is logged', async () => {
  proxy.reset();
  proxy.rules = [{ kind: 'GET', times: 1, fault: { kind: 'delay', ms: 50 } }];
  const got = await ask(`${collection}a.ics`);
  assert.equal(got.status, 200);
  assert.match(await got.text(), /UID:a@proxy/);
  assert.deepEqual(proxy.injected(), [`GET ${collection}a.ics: delay`]);
  assert.deepEqual(proxy.counts(), { GET: 1 });
  proxy.rules = [];
});
