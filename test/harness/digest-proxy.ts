// A Digest-authenticating layer on 127.0.0.1 in front of a real CalDAV server that itself does only
// Basic (Radicale has no Digest): it challenges the way Baikal's sabre/dav does, checks each answer
// against the known password (hashed here with node:crypto, never with the tool's code), and passes
// good requests on with the server's own Basic login. Its nonces can go stale after a set number of
// uses, a count rather than a time, so that renewal is proven without waiting.
import { createHash, randomBytes } from 'node:crypto';
import { startRelay, type RelayedAnswer } from './relay-proxy.ts';

export type DigestAlgorithm = 'MD5' | 'SHA-256';

export interface DigestProxyOptions {
  username: string;
  password: string;
  /** One challenge each, in this order. */
  algorithms: DigestAlgorithm[];
  /** A nonce answers this many requests; the next one gets 401 with stale=true and a new nonce. */
  nonceUses?: number;
}

export interface DigestProxy {
  url: string;
  /**
   * Each request as it came: 'none', 'basic', 'MD5 ok' or 'SHA-256 ok' (passed on), 'stale'
   * (a used-up nonce), 'MD5 wrong' (a response the password does not give), 'replayed' (an nc
   * already seen with its nonce), 'unknown nonce'.
   */
  seen(): string[];
  close(): Promise<void>;
}

const REALM = 'SabreDAV';
/** sabre/dav's opaque: the MD5 of the realm. */
const OPAQUE = createHash('md5').update(REALM).digest('hex');
const HASHES: Record<DigestAlgorithm, string> = { MD5: 'md5', 'SHA-256': 'sha256' };

export async function startDigestProxy(upstream: string, upstreamAuth: { username: string; password: string }, options: DigestProxyOptions): Promise<DigestProxy> {
  const seen: string[] = [];
  /** Uses left, and the nc values seen, per nonce issued. */
  const nonces = new Map<string, { left: number; counts: Set<string> }>();
  const basic = `Basic ${Buffer.from(`${upstreamAuth.username}:${upstreamAuth.password}`).toString('base64')}`;

  const challenge = (stale: boolean): RelayedAnswer => {
    const nonce = randomBytes(12).toString('hex');
    nonces.set(nonce, { left: options.nonceUses ?? Infinity, counts: new Set() });
    const offers = options.algorithms.map((algorithm) => `Digest realm="${REALM}", qop="auth", algorithm=${algorithm}, nonce="${nonce}", opaque="${OPAQUE}"${stale ? ', stale=true' : ''}`);
    // One header line per challenge, which node:http hands the client joined by commas.
    return { status: 401, headers: { 'WWW-Authenticate': offers, 'content-type': 'text/plain' }, body: Buffer.from('login needed\n') };
  };

  /** The verdict on one Authorization header, as `seen` names it; only '... ok' passes. */
  const check = (authorization: string, method: string, path: string): string => {
    if (!authorization.startsWith('Digest ')) return authorization.startsWith('Basic ') ? 'basic' : 'none';
    const params = Object.fromEntries([...authorization.matchAll(/([\w*]+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]+))/g)].map((m) => [m[1], (m[2] ?? m[3]).replace(/\\(.)/g, '$1')]));
    const algorithm = params.algorithm as DigestAlgorithm;
    const held = nonces.get(params.nonce);
    if (!held || !options.algorithms.includes(algorithm)) return 'unknown nonce';
    if (held.left <= 0) return 'stale';
    if (held.counts.has(params.nc)) return 'replayed';
    const hash = (text: string) => createHash(HASHES[algorithm]).update(text).digest('hex');
    const expected = hash([hash(`${options.username}:${REALM}:${options.password}`), params.nonce, params.nc, params.cnonce, 'auth', hash(`${method}:${path}`)].join(':'));
    const right = params.username === options.username && params.realm === REALM && params.uri === path && params.qop === 'auth' && params.response === expected;
    if (!right) return `${algorithm} wrong`;
    held.left--;
    held.counts.add(params.nc);
    return `${algorithm} ok`;
  };

  const relay = await startRelay(upstream, {
    before(request) {
      const verdict = check(request.headers.authorization ?? '', request.method, request.path);
      seen.push(verdict);
      if (!verdict.endsWith(' ok')) return challenge(verdict === 'stale');
      request.headers.authorization = basic;
    },
  });
  return { url: relay.url, seen: () => [...seen], close: () => relay.close() };
}
