// When a failed request is tried again, and after how long: exponential backoff with full jitter,
// or the wait the server asked for (Retry-After, RateLimit reset), within the configured caps.

export interface NetworkPolicy {
  /** An attempt without a whole answer within this has failed. */
  timeoutMs: number;
  /** Attempts per request, the first one included. */
  maxAttempts: number;
  /** The longest wait before a retry; a server asking for longer is not retried (it is not asked earlier than it said). */
  maxDelayMs: number;
  /** Retries a run may make in all, both sides together, so a dead server costs seconds, not minutes per object. */
  retryBudget: number;
}

export const DEFAULT_NETWORK_POLICY: NetworkPolicy = { timeoutMs: 60_000, maxAttempts: 4, maxDelayMs: 30_000, retryBudget: 30 };

/** The first backoff step; each retry doubles it, up to maxDelayMs. */
const BASE_DELAY_MS = 1_000;

/** Answers that say "not now" rather than "no": a proxy or gateway failing, an overloaded or rate-limited server. */
const PASSING_STATUSES = new Set([429, 502, 503, 504]);

export function retryableFailure(status: number): boolean {
  return PASSING_STATUSES.has(status);
}

/**
 * How long to wait before attempt `attempts + 1`: the server's own wait when it gave one, else a
 * random share of the exponential step (full jitter, so clients that failed together do not come
 * back together). `tooLong` when the server asked for more than the policy allows.
 */
export function retryDelay(
  attempts: number,
  status: number | null,
  headers: Headers | null,
  now: number,
  random: () => number,
  policy: NetworkPolicy,
): { waitMs: number } | { tooLong: number } {
  const asked = headers === null ? null : serverWait(status, headers, now);
  if (asked !== null) return asked > policy.maxDelayMs ? { tooLong: asked } : { waitMs: asked };
  const step = Math.min(policy.maxDelayMs, BASE_DELAY_MS * 2 ** (attempts - 1));
  return { waitMs: Math.floor(random() * step) };
}

/**
 * The wait an answer asks for, in ms, or null: Retry-After (RFC 9110: seconds or an HTTP date), else
 * on a 429 the reset of the rate limit: RateLimit-Reset or X-RateLimit-Reset (seconds, or a Unix time
 * as some servers send), or the reset of the IETF RateLimit header (`reset=N` or `t=N`).
 */
export function serverWait(status: number | null, headers: Headers, now: number): number | null {
  const retryAfter = headers.get('retry-after')?.trim();
  if (retryAfter) {
    if (/^\d+$/.test(retryAfter)) return Number(retryAfter) * 1000;
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  if (status !== 429) return null;
  const reset =
    headers.get('ratelimit-reset') ?? headers.get('x-ratelimit-reset') ?? /(?:^|[;,\s])(?:reset|t)=(\d+)/.exec(headers.get('ratelimit') ?? '')?.[1];
  if (reset === undefined || reset === null || !/^\d+$/.test(reset.trim())) return null;
  const seconds = Number(reset);
  // A number this large is a moment (Unix seconds), not a number of seconds to wait.
  return seconds > UNIX_TIME_FLOOR ? Math.max(0, seconds * 1000 - now) : seconds * 1000;
}

/** 2001-09-09 in Unix seconds: no rate limit asks for a wait of 31 years. */
const UNIX_TIME_FLOOR = 1_000_000_000;
