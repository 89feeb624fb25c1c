// The one door to the network: adds credentials (only for the configured origin), a timeout,
// and counts requests by method and bytes received for the run summary.
import http from 'node:http';
import https from 'node:https';
import { UserError, EXIT } from './errors.ts';

export interface RequestStats {
  byMethod: Record<string, number>;
  bytesReceived: number;
}

export interface Credentials {
  username?: string;
  password?: string;
}

export interface Http {
  fetch: typeof globalThis.fetch;
  stats: RequestStats;
}

export const REQUEST_TIMEOUT_MS = 60_000;

export function newRequestStats(): RequestStats {
  return { byMethod: {}, bytesReceived: 0 };
}

/** `label` names the side in messages (source or target); it never includes credentials. */
export function createHttp(origin: string, credentials: Credentials, stats: RequestStats, label: string): Http {
  const authorization =
    credentials.username !== undefined && credentials.username !== ''
      ? `Basic ${Buffer.from(`${credentials.username}:${credentials.password ?? ''}`).toString('base64')}`
      : undefined;
  const allowedOrigin = new URL(origin).origin;
  const countingFetch: typeof globalThis.fetch = async (input, init = {}) => {
    let url = new URL(input instanceof Request ? input.url : String(input));
    const method = (init.method ?? 'GET').toUpperCase();
    const body = init.body === undefined || init.body === null ? undefined : typeof init.body === 'string' ? init.body : Buffer.from(init.body as ArrayBuffer);
    for (let redirects = 0; ; redirects++) {
      const headers = new Headers(init.headers);
      // Credentials go only to the configured origin, also across redirects.
      if (authorization && url.origin === allowedOrigin) headers.set('authorization', authorization);
      else headers.delete('authorization');
      stats.byMethod[method] = (stats.byMethod[method] ?? 0) + 1;
      let answer: Answer;
      try {
        answer = await send(url, method, headers, body, init.signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS));
      } catch (error) {
        throw new UserError(`cannot reach the ${label} server ${url.origin}: ${networkReason(error)}; check the ${label} URL and that the server is running`, EXIT.unavailable);
      }
      stats.bytesReceived += answer.body.byteLength;
      const location = answer.headers.get('location');
      if (answer.status >= 300 && answer.status < 400 && location && init.redirect !== 'manual' && redirects < MAX_REDIRECTS) {
        url = new URL(location, url);
        continue;
      }
      return new Response(answer.status === 204 || answer.status === 304 || answer.body.byteLength === 0 ? null : new Uint8Array(answer.body), {
        status: answer.status,
        statusText: answer.statusText,
        headers: answer.headers,
      });
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

function networkReason(error: unknown): string {
  const failure = error as { name?: string; code?: string; message?: string; cause?: { name?: string } };
  if (failure.name === 'TimeoutError' || failure.cause?.name === 'TimeoutError') return `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  if (failure.code === 'ECONNREFUSED') return 'connection refused';
  if (failure.code === 'ENOTFOUND') return 'host name not found';
  return failure.message ?? String(error);
}
