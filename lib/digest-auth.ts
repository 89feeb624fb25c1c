// HTTP Digest authentication, the client's side (RFC 7616, and RFC 2069's form for servers that
// offer no qop): the challenges of a WWW-Authenticate header read, one chosen, and each request's
// Authorization computed from it. Servers that want Digest (Baikal by default) refuse Basic.
import { createHash, randomBytes } from 'node:crypto';

export interface Challenge {
  /** Lower case: 'digest', 'basic', ... */
  scheme: string;
  /** By lower-case name, quoted strings unquoted. */
  params: Record<string, string>;
}

/** Hash algorithms this client answers with, the strongest first (RFC 7616 3.7: use the strongest offered). */
const ALGORITHMS = { 'SHA-256': 'sha256', MD5: 'md5' } as const;
export type DigestAlgorithm = keyof typeof ALGORITHMS;

export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque?: string;
  algorithm: DigestAlgorithm;
  /** qop=auth offered; false for a server of RFC 2069's time, which offers no qop at all. */
  qop: boolean;
  /** The nonce of the request it answers had expired, the password was right (RFC 7616 3.3). */
  stale: boolean;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;

/**
 * Every challenge in a WWW-Authenticate value. A server may send several, in one header or in
 * several that arrive joined with commas (RFC 9110 11.6.1), so a scheme is told from a parameter by
 * what follows its name: '=' makes it a parameter.
 */
export function parseChallenges(header: string): Challenge[] {
  const challenges: Challenge[] = [];
  let current: Challenge | null = null;
  let i = 0;
  const skip = (chars: string) => {
    while (i < header.length && chars.includes(header[i])) i++;
  };
  const token = () => {
    const match = TOKEN.exec(header.slice(i))?.[0] ?? '';
    i += match.length;
    return match;
  };
  while (i < header.length) {
    skip(' \t,');
    const name = token();
    if (name === '') {
      i++; // a character no grammar allows here (a token68's '/', say): not ours to read
      continue;
    }
    skip(' \t');
    if (header[i] !== '=' || current === null) {
      current = { scheme: name.toLowerCase(), params: {} };
      challenges.push(current);
      continue;
    }
    i++;
    skip(' \t');
    let value = '';
    if (header[i] === '"') {
      for (i++; i < header.length && header[i] !== '"'; i++) value += header[i] === '\\' ? header[++i] ?? '' : header[i];
      i++;
    } else value = token();
    current.params[name.toLowerCase()] = value;
  }
  return challenges;
}

/** The Digest challenge to answer: the strongest algorithm with qop=auth (or no qop), or null when none can be answered. */
export function chooseDigest(challenges: Challenge[]): DigestChallenge | null {
  const usable = challenges.flatMap((challenge): DigestChallenge[] => {
    const { realm, nonce, opaque, algorithm = 'MD5', qop, stale } = challenge.params;
    const name = algorithm.toUpperCase();
    const offered = qop?.split(',').map((option) => option.trim().toLowerCase());
    if (challenge.scheme !== 'digest' || realm === undefined || !nonce || !(name in ALGORITHMS)) return [];
    if (offered !== undefined && !offered.includes('auth')) return [];
    return [{ realm, nonce, opaque, algorithm: name as DigestAlgorithm, qop: offered !== undefined, stale: stale?.toLowerCase() === 'true' }];
  });
  const rank = Object.keys(ALGORITHMS);
  return usable.sort((a, b) => rank.indexOf(a.algorithm) - rank.indexOf(b.algorithm))[0] ?? null;
}

export interface DigestInput {
  algorithm: DigestAlgorithm;
  username: string;
  realm: string;
  password: string;
  method: string;
  /** The request-target exactly as sent: path and query. */
  uri: string;
  nonce: string;
  /** For qop=auth: the request's count (8 hex digits) and the client's nonce; absent for RFC 2069's form. */
  qop?: { nc: string; cnonce: string };
}

/** The `response` value (RFC 7616 3.4.1): the proof that the password is known, bound to this request and nonce. */
export function digestResponse(input: DigestInput): string {
  const hash = (text: string) => createHash(ALGORITHMS[input.algorithm]).update(text, 'utf8').digest('hex');
  const secret = hash(`${input.username}:${input.realm}:${input.password}`);
  const request = hash(`${input.method}:${input.uri}`);
  const { qop } = input;
  return hash(qop ? `${secret}:${input.nonce}:${qop.nc}:${qop.cnonce}:auth:${request}` : `${secret}:${input.nonce}:${request}`);
}

/** One answered challenge, used for every request until the server sends a new one. */
export class DigestSession {
  private count = 0;

  constructor(
    readonly challenge: DigestChallenge,
    private readonly username: string,
    private readonly password: string,
    private readonly newCnonce: () => string = () => randomBytes(16).toString('hex'),
  ) {}

  /** The Authorization of one request: each takes the next nc, so a server counting them sees no replay. */
  authorization(method: string, uri: string): string {
    const { realm, nonce, opaque, algorithm } = this.challenge;
    const qop = this.challenge.qop ? { nc: (++this.count).toString(16).padStart(8, '0'), cnonce: this.newCnonce() } : undefined;
    const response = digestResponse({ algorithm, username: this.username, realm, password: this.password, method, uri, nonce, qop });
    // A name that cannot be a quoted string goes as username* in RFC 8187's encoding (RFC 7616 3.4.4).
    const user = /^[\x20-\x7e]*$/.test(this.username) ? `username=${quote(this.username)}` : `username*=UTF-8''${encodeURIComponent(this.username)}`;
    return [
      `Digest ${user}`,
      `realm=${quote(realm)}`,
      `uri=${quote(uri)}`,
      `algorithm=${algorithm}`,
      `nonce=${quote(nonce)}`,
      ...(qop ? [`nc=${qop.nc}`, `cnonce=${quote(qop.cnonce)}`, 'qop=auth'] : []),
      `response=${quote(response)}`,
      ...(opaque !== undefined ? [`opaque=${quote(opaque)}`] : []),
    ].join(', ');
  }
}

function quote(text: string): string {
  return `"${text.replace(/["\\]/g, '\\$&')}"`;
}
