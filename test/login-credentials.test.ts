// LoginCredentials: Basic first, unless the server is known to want Digest; then nothing is sent
// before its challenge, and a server that asks for Basic after all gets Basic.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LoginCredentials } from '../lib/login-credentials.ts';

const url = new URL('http://127.0.0.1:5232/ana/work/');
const BASIC = `Basic ${Buffer.from('ana:secret').toString('base64')}`;
const DIGEST_CHALLENGE = 'Digest realm="dav", nonce="abc", qop="auth", algorithm=MD5';

test('by default the first request carries Basic, and a Basic challenge to it means a wrong password', () => {
  const login = new LoginCredentials('ana', 'secret');
  assert.equal(login.authorization('PROPFIND', url), BASIC);
  assert.equal(login.challenged('Basic realm="dav"', BASIC), false);
  assert.equal(login.usesDigest, false);
});

test('a server known to want Digest gets no Authorization before its challenge, then Digest', () => {
  const login = new LoginCredentials('ana', 'secret', true);
  assert.equal(login.authorization('PROPFIND', url), '');
  assert.equal(login.challenged(DIGEST_CHALLENGE, ''), true);
  assert.equal(login.usesDigest, true);
  assert.match(login.authorization('PROPFIND', url), /^Digest username="ana", realm="dav", uri="\/ana\/work\/", algorithm=MD5, nonce="abc", nc=00000001, cnonce="[0-9a-f]+", qop=auth, response="[0-9a-f]{32}"$/);
});

test('a server known to want Digest that now asks for Basic gets Basic', () => {
  const login = new LoginCredentials('ana', 'secret', true);
  assert.equal(login.challenged('Basic realm="dav"', ''), true);
  assert.equal(login.authorization('PROPFIND', url), BASIC);
  assert.equal(login.usesDigest, false);
});
