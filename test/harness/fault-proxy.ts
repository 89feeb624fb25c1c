// A proxy on 127.0.0.1 between the tool and a real server that misbehaves on purpose, the ways real
// servers and networks do: connections dropped before or after the server did the request, answers
// held or delayed, 429/503 with Retry-After, and the quirks of other servers emulated on top of
// Radicale or Xandikos (.eml hrefs, no ETags, truncated reports, refused sync tokens, 207 for writes).
// A chaos mode fails a share of the requests at random, from a seed, so a failing case can be replayed.
import { startRelay, type RelayedAnswer, type RelayedRequest, type Withheld } from './relay-proxy.ts';
import { seededRandom } from './seeded-random.ts';

/** What a request is, by method and what it asks ("PUT create", "PUT if-match", "DELETE if-match", "REPORT sync-collection", "REPORT calendar-multiget", "PROPFIND", "GET"): rules and counts use these names. */
export type RequestKind = string;

export function requestKind(request: Pick<RelayedRequest, 'method' | 'headers' | 'body'>): RequestKind {
  const { method, headers } = request;
  if (headers['if-none-match'] === '*') return `${method} create`;
  if (headers['if-match'] !== undefined) return `${method} if-match`;
  if (method === 'REPORT') {
    const report = /<(?:[\w-]+:)?(sync-collection|calendar-multiget|calendar-query)\b/.exec(request.body.toString('utf8'))?.[1];
    return report ? `REPORT ${report}` : 'REPORT';
  }
  return method;
}

/**
 * One thing going wrong: the connection closed before the server saw the request ('drop-request')
 * or after it did it ('drop-answer': the client never learns), an answer never given ('hang') or
 * given late ('delay'), or an answer made up here ('answer', e.g. 503 with Retry-After).
 */
export type Fault =
  | { kind: 'drop-request' }
  | { kind: 'drop-answer' }
  | { kind: 'hang' }
  | { kind: 'delay'; ms: number }
  | { kind: 'answer'; status: number; headers?: Record<string, string>; body?: string };

/** A fault for the requests of one kind: the first `times` of them from now (every one when absent). */
export interface FaultRule {
  kind: RequestKind;
  fault: Fault;
  times?: number;
}

/** Faults chaos mode picks from: each passes on a retry, none costs a timeout. */
const CHAOS_FAULTS: Fault[] = [
  { kind: 'drop-request' },
  { kind: 'drop-answer' },
  { kind: 'answer', status: 503, headers: { 'retry-after': '0' } },
  { kind: 'answer', status: 429, headers: { 'retry-after': '0' } },
  { kind: 'answer', status: 502 },
  { kind: 'answer', status: 504 },
];

/** Longest delay a rule may ask for: a test proxy never holds a client for long. */
const MAX_DELAY_MS = 30_000;

export interface FaultProxy {
  url: string;
  /** Requests received since the start or the last reset, by kind (faulted ones too). A rule's `times` are not reset. */
  counts(): Record<string, number>;
  /** Each fault done, in order: "PUT create /path: drop-answer". */
  injected(): string[];
  reset(): void;
  /** Rules, tried in order; the first whose kind matches and has times left applies. */
  rules: FaultRule[];
  /** Fails this share (0..1) of the requests no rule took, at random with one of CHAOS_FAULTS, from `seed`; 0 turns it off. */
  chaos(share: number, seed: number): void;
  /**
   * Object hrefs end in .eml instead of .ics, as Kerio's do (both ways: answers and requests),
   * except those a client PUT through the proxy: a PUT creates its object at its own URL (RFC 4918 9.7).
   */
  emlHrefs: boolean;
  /** No ETag header on any answer (a write answered without one). */
  stripEtags: boolean;
  /** Every ETag header made weak (W/"...") or unquoted (...), as some servers answer writes. */
  etagForm: 'weak' | 'unquoted' | null;
  /** A calendar-multiget answer keeps only its first N responses, silently (as Zoho's cap does). */
  multigetLimit: number | null;
  /** A sync-collection answer keeps its first N responses and says 507 for the collection (RFC 6578 truncation). */
  syncCollectionLimit: number | null;
  /** A sync-collection from any token but the empty one is refused (403 valid-sync-token, or the status of refuseSyncTokensWith). */
  refuseSyncTokens: boolean;
  /** The status a refused token gets: 4xx with valid-sync-token (403 as RFC 6578 says, 400 old sabre/dav, 418 Nextcloud, 409 others), 500 as yet others do. */
  refuseSyncTokensWith: 400 | 403 | 409 | 418 | 500;
  /** PUT and DELETE are answered 207 multistatus, the real status inside (as Xandikos may). */
  writesAs207: boolean;
  close(): Promise<void>;
}

const EML_HREF_END = /\.eml(?=<\/(?:[\w-]+:)?href>)/g;
const ICS_HREF = /(<(?:[\w-]+:)?href>)([^<]*)\.ics(?=<\/(?:[\w-]+:)?href>)/g;
const RESPONSE = /<((?:[\w-]+:)?)response\b[\s\S]*?<\/(?:[\w-]+:)?response>/g;

/** The multistatus with only its first `limit` responses, plus `extra` after them. */
function keepResponses(body: Buffer, limit: number, extra = (_prefix: string) => ''): Buffer {
  let seen = 0;
  let prefix = '';
  const kept = body.toString('utf8').replace(RESPONSE, (whole, p: string) => {
    prefix = p;
    return ++seen <= limit ? whole : '';
  });
  return Buffer.from(kept.replace(/(<\/(?:[\w-]+:)?multistatus>)/, `${extra(prefix)}$1`));
}

const text = (status: number, headers: Record<string, string> = {}, body = ''): RelayedAnswer => ({ status, headers: { 'content-type': 'text/plain', ...headers }, body: Buffer.from(body) });

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  let counts: Record<string, number> = {};
  let injected: string[] = [];
  let random: (() => number) | null = null;
  let chaosShare = 0;
  const used = new Map<FaultRule, number>();
  /** Faults decided before a request went on, done once its answer is here. */
  const pending = new WeakMap<RelayedRequest, Fault>();
  /** Paths (the .ics form) of the objects clients PUT through the proxy. */
  const putHere = new Set<string>();

  const pick = (request: RelayedRequest, kind: RequestKind): Fault | null => {
    const rule = proxy.rules.find((r) => r.kind === kind && (r.times === undefined || (used.get(r) ?? 0) < r.times));
    if (rule) {
      used.set(rule, (used.get(rule) ?? 0) + 1);
      return rule.fault;
    }
    if (random && random() < chaosShare) return CHAOS_FAULTS[Math.floor(random() * CHAOS_FAULTS.length)];
    return null;
  };

  const relay = await startRelay(upstream, {
    before(request): RelayedAnswer | Withheld | void {
      const kind = requestKind(request);
      counts[kind] = (counts[kind] ?? 0) + 1;
      if (proxy.emlHrefs) {
        if (request.method === 'PUT' && /\.ics(?=$|\?)/.test(request.path)) putHere.add(request.path.replace(/\?.*$/, ''));
        request.path = request.path.replace(/\.eml(?=$|\?)/, '.ics');
        request.body = Buffer.from(request.body.toString('utf8').replace(EML_HREF_END, '.ics'));
      }
      const fault = pick(request, kind);
      if (fault) {
        injected.push(`${kind} ${request.path}: ${fault.kind === 'answer' ? fault.status : fault.kind}`);
        if (fault.kind === 'drop-request') return 'drop';
        if (fault.kind === 'hang') return 'hang';
        if (fault.kind === 'answer') return text(fault.status, fault.headers, fault.body ?? `injected ${fault.status}`);
        pending.set(request, fault);
      }
      if (proxy.refuseSyncTokens && kind === 'REPORT sync-collection' && !/<(?:[\w-]+:)?sync-token>\s*<\/|<(?:[\w-]+:)?sync-token\/>/.test(request.body.toString('utf8'))) {
        const status = proxy.refuseSyncTokensWith;
        if (status === 500) return text(500, {}, 'Internal Server Error');
        return { status, headers: { 'content-type': 'application/xml; charset=utf-8' }, body: Buffer.from('<?xml version="1.0"?><D:error xmlns:D="DAV:"><D:valid-sync-token/></D:error>') };
      }
    },
    async after(request, answer) {
      const fault = pending.get(request);
      if (fault?.kind === 'drop-answer') return 'drop';
      if (fault?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, Math.min(fault.ms, MAX_DELAY_MS)));
      const kind = requestKind(request);
      if (proxy.stripEtags) delete answer.headers.etag;
      const etag = answer.headers.etag;
      if (typeof etag === 'string' && proxy.etagForm) answer.headers.etag = proxy.etagForm === 'weak' ? `W/${etag}` : etag.replace(/^"|"$/g, '');
      if (proxy.multigetLimit !== null && kind === 'REPORT calendar-multiget') answer.body = keepResponses(answer.body, proxy.multigetLimit);
      if (proxy.syncCollectionLimit !== null && kind === 'REPORT sync-collection' && answer.status === 207) {
        const collection = request.path.replace(/\?.*$/, '');
        answer.body = keepResponses(answer.body, proxy.syncCollectionLimit, (p) => `<${p}response><${p}href>${collection}</${p}href><${p}status>HTTP/1.1 507 Insufficient Storage</${p}status></${p}response>`);
      }
      if (proxy.writesAs207 && (request.method === 'PUT' || request.method === 'DELETE')) {
        const inner = `<D:multistatus xmlns:D="DAV:"><D:response><D:href>${request.path}</D:href><D:status>HTTP/1.1 ${answer.status} ${answer.status < 300 ? 'OK' : 'Failed'}</D:status></D:response></D:multistatus>`;
        answer = { status: 207, headers: { ...answer.headers, 'content-type': 'application/xml; charset=utf-8' }, body: Buffer.from(inner) };
      }
      if (proxy.emlHrefs) {
        answer.body = Buffer.from(answer.body.toString('utf8').replace(ICS_HREF, (whole, open: string, path: string) => (putHere.has(`${path}.ics`) ? whole : `${open}${path}.eml`)));
      }
      return answer;
    },
  });

  const proxy: FaultProxy = {
    url: relay.url,
    counts: () => ({ ...counts }),
    injected: () => [...injected],
    reset: () => {
      counts = {};
      injected = [];
    },
    rules: [],
    chaos(share, seed) {
      chaosShare = share;
      random = share > 0 ? seededRandom(seed) : null;
    },
    emlHrefs: false,
    stripEtags: false,
    etagForm: null,
    multigetLimit: null,
    syncCollectionLimit: null,
    refuseSyncTokens: false,
    refuseSyncTokensWith: 403,
    writesAs207: false,
    close: relay.close,
  };
  return proxy;
}
