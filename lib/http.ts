// The one door to the network: adds credentials (Basic, or Digest once the server asks for it; only
// for the configured origin, also across the redirects it follows), a timeout and retries of failures
// that can pass, counts requests by method and bytes received for the run summary, and tells each
// attempt to a listener (the --verbose request log).
import http from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { EXIT, ServerUnavailable, UserError } from './errors.ts';
import { LoginCredentials, unanswerableSchemes } from './login-credentials.ts';
import { retryDelay, retryableFailure, type NetworkPolicy } from './retry-policy.ts';

export interface RequestStats {
  byMethod: Record<string, number>;
  bytesReceived: number;
  /** Retries made so far by the run, both sides together: the run's retry budget is spent from this. */
  retries: number;
  /** Told of each attempt as it ends. */
  onRequest?: (request: RequestRecord) => void;
}

/** One attempt of a request, for the log: never a header, a body, a query or a credential. */
export interface RequestRecord {
  /** source or target */
  side: string;
  method: string;
  path: string;
  /** null when no answer came (refused, dropped, timed out). */
  status: number | null;
  ms: number;
  /** 1 for the first attempt, 2 for the first retry, ... */
  attempt: number;
  /** Why no answer came. */
  failure?: string;
}

export interface HttpSettings {
  username?: string;
  password?: string;
  network: NetworkPolicy;
}

export interface Http {
  fetch: typeof globalThis.fetch;
  stats: RequestStats;
}

/** What the state remembers of servers that want Digest (the discovery cache). */
export interface LoginMemory {
  wantsDigest(origin: string, username: string): boolean;
  rememberLogin(origin: string, username: string, digest: boolean): void;
}

/** Answers to a request an earlier attempt of which the server may have done, its answer lost. */
const repeats = new WeakSet<Response>();

/**
 * Whether an earlier attempt of this answer's request may have been done by the server (the
 * connection dropped, no answer in time, or a 502 or 504 from a gateway that may have passed it
 * on): a conditional write then meets its own first attempt (412, 404), which is no conflict.
 */
export function answersARepeat(response: Response): boolean {
  return repeats.has(response);
}

export function newRequestStats(onRequest?: (request: RequestRecord) => void): RequestStats {
  return { byMethod: {}, bytesReceived: 0, retries: 0, onRequest };
}

/** `label` names the side in messages (source or target); it never includes credentials. */
export function createHttp(origin: string, settings: HttpSettings, stats: RequestStats, label: string, memory?: LoginMemory): Http {
  const { network } = settings;
  const allowedOrigin = new URL(origin).origin;
  const username = settings.username ?? '';
  const knownDigest = username !== '' && (memory?.wantsDigest(allowedOrigin, username) ?? false);
  const login = username !== '' ? new LoginCredentials(username, settings.password ?? '', knownDigest) : null;
  let learned = false;
  // Once the run's retries are spent, a server that stopped answering is not waited for again per
  // object: the rest of the run's requests to it fail at once, and the next run picks them up.
  let gone: string | null = null;

  /**
   * One request with its retries: the answer, with the Authorization it carried (each attempt its
   * own: a Digest nc is never sent twice), or a ServerUnavailable saying what failed and why it was
   * not tried again.
   */
  const attempt = async (url: URL, method: string, init: RequestInit, body: string | Buffer | undefined, credentials: LoginCredentials | null): Promise<Answer & { repeat: boolean; sent: string }> => {
    const what = `${method} ${url.pathname}`;
    let repeat = false;
    for (let attempts = 1; ; attempts++) {
      if (gone !== null) throw new ServerUnavailable(`cannot reach the ${label} server ${url.origin}: ${gone}; ${what} was not sent`);
      stats.byMethod[method] = (stats.byMethod[method] ?? 0) + 1;
      const headers = new Headers(init.headers);
      const sent = credentials?.authorization(method, url) ?? '';
      // Credentials go only to the configured origin, also across redirects.
      if (sent !== '') headers.set('authorization', sent);
      else headers.delete('authorization');
      let answer: Answer | null = null;
      let reason: string | null = null;
      const began = Date.now();
      const tell = (status: number | null, failure?: string) =>
        stats.onRequest?.({ side: label, method, path: url.pathname, status, ms: Date.now() - began, attempt: attempts, failure });
      try {
        answer = await send(url, method, headers, body, init.signal ?? AbortSignal.timeout(network.timeoutMs));
        tell(answer.status);
        stats.bytesReceived += answer.body.byteLength;
        if (!retryableFailure(answer.status)) return { ...answer, repeat, sent };
        repeat ||= answer.status === 502 || answer.status === 504;
      } catch (error) {
        reason = networkReason(error, network.timeoutMs);
        tell(null, reason);
        repeat = true;
        const certificate = certificateProblem(error);
        if (certificate !== null) throw new ServerUnavailable(`the ${label} server ${url.origin} ${certificate}`);
        if (!passes(error)) throw new ServerUnavailable(`cannot reach the ${label} server ${url.origin}: ${reason}; check the ${label} URL`);
      }
      const spent = stats.retries >= network.retryBudget;
      const delay = retryDelay(attempts, answer?.status ?? null, answer?.headers ?? null, Date.now(), Math.random, network);
      const stop =
        attempts >= network.maxAttempts ? ''
        : spent ? `; the run's retry budget (RETRY_BUDGET=${network.retryBudget}) is spent`
        : 'tooLong' in delay ? `; it asked to wait ${Math.ceil(delay.tooLong / 1000)} s, longer than RETRY_MAX_DELAY_SECONDS=${network.maxDelayMs / 1000}`
        : null;
      if (stop !== null) {
        const tries = `${what}, ${attempts} ${attempts === 1 ? 'attempt' : 'attempts'}${stop}`;
        if (answer !== null) throw new ServerUnavailable(`the ${label} server ${url.origin} answered HTTP ${answer.status} (${tries}); it is busy or down, try again later`);
        if (spent) gone = `${reason} after the run's retries were spent`;
        throw new ServerUnavailable(`cannot reach the ${label} server ${url.origin}: ${reason} (${tries}); check the ${label} URL and that the server is running`);
      }
      stats.retries++;
      await sleep((delay as { waitMs: number }).waitMs);
    }
  };

  const countingFetch: typeof globalThis.fetch = async (input, init = {}) => {
    let url = new URL(input instanceof Request ? input.url : String(input));
    const method = (init.method ?? 'GET').toUpperCase();
    const body = init.body === undefined || init.body === null ? undefined : typeof init.body === 'string' ? init.body : Buffer.from(init.body as ArrayBuffer);
    for (let redirects = 0; ; redirects++) {
      const credentials = url.origin === allowedOrigin ? login : null;
      let answer = await attempt(url, method, init, body, credentials);
      // A Digest challenge is answered, and a stale nonce renewed; twice is all a sound server needs.
      for (let challenges = 0; challenges < 2 && answer.status === 401 && credentials?.challenged(answer.headers.get('www-authenticate'), answer.sent); challenges++) {
        answer = await attempt(url, method, init, body, credentials);
      }
      // Remembered once the server took the login, so a wrong password teaches nothing.
      if (credentials && answer.status !== 401 && credentials.usesDigest !== knownDigest && !learned) {
        learned = true;
        memory?.rememberLogin(allowedOrigin, username, credentials.usesDigest);
      }
      const unanswerable = answer.status === 401 && credentials !== null ? unanswerableSchemes(answer.headers.get('www-authenticate')) : null;
      if (unanswerable !== null) {
        throw new UserError(`the ${label} server ${url.origin} asks for a login this tool cannot give (${unanswerable}); it can do Basic, and Digest with MD5 or SHA-256`, EXIT.auth);
      }
      const location = answer.headers.get('location');
      if (answer.status >= 300 && answer.status < 400 && location && init.redirect !== 'manual' && redirects < MAX_REDIRECTS) {
        url = new URL(location, url);
        continue;
      }
      const response = new Response(answer.status === 204 || answer.status === 304 || answer.body.byteLength === 0 ? null : new Uint8Array(answer.body), {
        status: answer.status,
        statusText: answer.statusText,
        headers: answer.headers,
      });
      if (answer.repeat) repeats.add(response);
      return response;
    }
  };
  return { fetch: countingFetch, stats };
}

const MAX_REDIRECTS = 5;
const agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };

interface Answer {
  status: number;
  statusText: string;
  headers: Headers;
  body: Buffer;
}

/**
 * One request with node:http, whole answer read. The global fetch costs three times the CPU per
 * request, which a first sync of thousands of copies spends one PUT each.
 */
function send(url: URL, method: string, headers: Headers, body: string | Buffer | undefined, signal: AbortSignal): Promise<Answer> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(url, { method, headers: Object.fromEntries(headers), agent: agents[url.protocol as 'http:' | 'https:'], signal }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      // A connection closed in the middle of the answer: 'end' never comes.
      response.on('close', () => {
        if (!response.complete) reject(signal.aborted ? signal.reason : Object.assign(new Error('the connection closed in the middle of the answer'), { code: 'ECONNRESET' }));
      });
      response.on('end', () => {
        const answerHeaders = new Headers();
        for (const [name, value] of Object.entries(response.headers)) {
          if (value !== undefined) answerHeaders.set(name, Array.isArray(value) ? value.join(', ') : value);
        }
        resolve({ status: response.statusCode ?? 0, statusText: response.statusMessage ?? '', headers: answerHeaders, body: Buffer.concat(chunks) });
      });
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** Network failures that can pass, and are retried; a wrong host name or a bad certificate will not. */
const PASSING = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

function isTimeout(error: unknown): boolean {
  const failure = error as { name?: string; cause?: { name?: string } };
  return failure.name === 'TimeoutError' || failure.cause?.name === 'TimeoutError';
}

function passes(error: unknown): boolean {
  return isTimeout(error) || PASSING.has((error as { code?: string }).code ?? '');
}

/** Certificate failures that a CA this machine does not know explains (a self-signed or private CA's certificate). */
const UNKNOWN_CA = new Set(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_UNTRUSTED']);

/**
 * What is wrong with a server's TLS certificate, and what to do, or null when the failure is not
 * about the certificate. Never retried: a certificate does not mend in seconds.
 */
function certificateProblem(error: unknown): string | null {
  const { code = '', message = '' } = error as { code?: string; message?: string };
  if (UNKNOWN_CA.has(code)) {
    return `has a TLS certificate this machine does not trust (${message}); if it comes from a private or self-signed CA, set NODE_EXTRA_CA_CERTS to that CA's PEM file`;
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `has a TLS certificate for another name (${message}); check the host name in the URL`;
  if (code.startsWith('CERT_')) return `has a TLS certificate that cannot be accepted (${message}); the server's certificate must be renewed or fixed`;
  return null;
}

function networkReason(error: unknown, timeoutMs: number): string {
  const failure = error as { code?: string; message?: string };
  if (isTimeout(error)) return `no answer within ${timeoutMs / 1000} s`;
  if (failure.code === 'ECONNREFUSED') return 'connection refused';
  if (failure.code === 'ENOTFOUND') return 'host name not found';
  return failure.message ?? String(error);
}
