// The one door to the network: adds credentials (only for the configured origin), a timeout,
// and counts requests by method and bytes received for the run summary.
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
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = (init.method ?? 'GET').toUpperCase();
    const headers = new Headers(init.headers);
    if (authorization && url.origin === allowedOrigin) headers.set('authorization', authorization);
    stats.byMethod[method] = (stats.byMethod[method] ?? 0) + 1;
    let response: Response;
    try {
      response = await fetch(url, { ...init, headers, signal: init.signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    } catch (error) {
      throw new UserError(`cannot reach the ${label} server ${url.origin}: ${networkReason(error)}; check the ${label} URL and that the server is running`, EXIT.unavailable);
    }
    let body: ArrayBuffer;
    try {
      body = await response.arrayBuffer();
    } catch (error) {
      throw new UserError(`the ${label} server ${url.origin} sent an answer that could not be read (${networkReason(error)}); try again, and check the server if it persists`, EXIT.unavailable);
    }
    stats.bytesReceived += body.byteLength;
    // The body was read to count it; hand back a response that can still be read.
    return new Response(response.status === 204 || response.status === 304 ? null : body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
  return { fetch: countingFetch, stats };
}

function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if ((error as Error).name === 'TimeoutError') return `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused';
  if (cause?.code === 'ENOTFOUND') return 'host name not found';
  return cause?.message ?? (error as Error).message;
}
