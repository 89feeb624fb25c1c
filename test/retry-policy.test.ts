// Unit tests of the retry policy: which answers are tried again, and the wait before each retry
// (full jitter from an injected random number, or the server's own Retry-After or rate-limit reset).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { retryableFailure, retryDelay, serverWait, type NetworkPolicy } from '../lib/retry-policy.ts';

const POLICY: NetworkPolicy = { timeoutMs: 60_000, maxAttempts: 4, maxDelayMs: 30_000, retryBudget: 30 };
const NOW = Date.UTC(2026, 9, 1, 12, 0, 0);
const headers = (entries: Record<string, string>) => new Headers(entries);

test('429, 502, 503 and 504 are tried again; other 4xx and 5xx answers are not', () => {
  assert.deepEqual([429, 502, 503, 504].map(retryableFailure), [true, true, true, true]);
  assert.deepEqual([400, 401, 403, 404, 409, 412, 500, 501, 507].map(retryableFailure), [false, false, false, false, false, false, false, false, false]);
});

test('without a wait from the server, the wait is a random share of 1 s, 2 s, 4 s, ... (full jitter), never more than the maximum', () => {
  const waits = (random: number) => [1, 2, 3, 4, 5, 6].map((attempts) => retryDelay(attempts, null, null, NOW, () => random, POLICY));
  assert.deepEqual(waits(0.5), [500, 1_000, 2_000, 4_000, 8_000, 15_000].map((waitMs) => ({ waitMs })));
  assert.deepEqual(waits(0), [0, 0, 0, 0, 0, 0].map((waitMs) => ({ waitMs })));
  assert.deepEqual(retryDelay(3, 503, headers({}), NOW, () => 0.999, { ...POLICY, maxDelayMs: 10 }), { waitMs: 9 });
});

test('Retry-After in seconds or as an HTTP date is the wait, whatever the step; longer than the maximum is not waited for', () => {
  assert.deepEqual(retryDelay(1, 503, headers({ 'retry-after': '7' }), NOW, () => 0, POLICY), { waitMs: 7_000 });
  assert.deepEqual(retryDelay(1, 429, headers({ 'retry-after': 'Thu, 01 Oct 2026 12:00:12 GMT' }), NOW, () => 0, POLICY), { waitMs: 12_000 });
  assert.deepEqual(retryDelay(1, 503, headers({ 'retry-after': 'Thu, 01 Oct 2026 11:59:00 GMT' }), NOW, () => 0.5, POLICY), { waitMs: 0 });
  assert.deepEqual(retryDelay(1, 503, headers({ 'retry-after': '120' }), NOW, () => 0, POLICY), { tooLong: 120_000 });
});

test('on a 429 without Retry-After, the rate limit reset is the wait: RateLimit-Reset, X-RateLimit-Reset (seconds or a Unix time), RateLimit reset= or t=', () => {
  assert.equal(serverWait(429, headers({ 'ratelimit-reset': '5' }), NOW), 5_000);
  assert.equal(serverWait(429, headers({ 'x-ratelimit-reset': '3' }), NOW), 3_000);
  assert.equal(serverWait(429, headers({ 'x-ratelimit-reset': String(NOW / 1000 + 20) }), NOW), 20_000);
  assert.equal(serverWait(429, headers({ ratelimit: 'limit=100, remaining=0, reset=9' }), NOW), 9_000);
  assert.equal(serverWait(429, headers({ ratelimit: '"default";r=0;t=4' }), NOW), 4_000);
  // Retry-After wins over a reset; a reset on a 503 says nothing about when to come back.
  assert.equal(serverWait(429, headers({ 'retry-after': '2', 'ratelimit-reset': '50' }), NOW), 2_000);
  assert.equal(serverWait(503, headers({ 'ratelimit-reset': '50' }), NOW), null);
  assert.equal(serverWait(429, headers({ 'retry-after': 'soon' }), NOW), null);
});
