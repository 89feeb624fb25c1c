// Digest computation against the worked examples of the RFCs: every expected value below is copied
// from the RFC text (RFC 7616 3.9.1, RFC 2617 3.5, RFC 2069 2.4 as its erratum corrects it), never
// computed by the code under test.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseDigest, digestResponse, DigestSession, parseChallenges } from '../lib/digest-auth.ts';

/** RFC 7616 3.9.1: the server's two challenges, as its example sends them. */
const RFC7616_CHALLENGES =
  'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS", ' +
  'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"';

const RFC7616_REQUEST = {
  username: 'Mufasa',
  realm: 'http-auth@example.org',
  password: 'Circle of Life',
  method: 'GET',
  uri: '/dir/index.html',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  qop: { nc: '00000001', cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ' },
};

test('RFC 7616 3.9.1: the MD5 and the SHA-256 response of the example', () => {
  assert.equal(digestResponse({ ...RFC7616_REQUEST, algorithm: 'MD5' }), '8ca523f5e9506fed4657c9700eebdbec');
  assert.equal(digestResponse({ ...RFC7616_REQUEST, algorithm: 'SHA-256' }), '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
});

test('RFC 2617 3.5: MD5 with qop=auth', () => {
  const response = digestResponse({
    algorithm: 'MD5', username: 'Mufasa', realm: 'testrealm@host.com', password: 'Circle Of Life', method: 'GET', uri: '/dir/index.html',
    nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093', qop: { nc: '00000001', cnonce: '0a4f113b' },
  });
  assert.equal(response, '6629fae49393a05397450978507c4ef1');
});

test('RFC 2069 2.4, as its erratum corrects it: a server offering no qop gets the old form of the response', () => {
  const response = digestResponse({
    algorithm: 'MD5', username: 'Mufasa', realm: 'testrealm@host.com', password: 'CircleOfLife', method: 'GET', uri: '/dir/index.html',
    nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
  });
  assert.equal(response, '1949323746fe6a43ef61f9606e7febea');
});

test('of the example\'s two challenges SHA-256 is chosen, with qop=auth, and the Authorization is the RFC\'s', () => {
  const challenge = chooseDigest(parseChallenges(RFC7616_CHALLENGES));
  assert.deepEqual(challenge, {
    realm: 'http-auth@example.org',
    nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
    opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
    algorithm: 'SHA-256',
    qop: true,
    stale: false,
  });
  const session = new DigestSession(challenge!, 'Mufasa', 'Circle of Life', () => 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ');
  assert.equal(
    session.authorization('GET', '/dir/index.html'),
    'Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=SHA-256, ' +
      'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, ' +
      'response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
  );
});

test('each request of a session counts on: nc 00000001, 00000002, ... 0000000a', () => {
  const session = new DigestSession(chooseDigest(parseChallenges('Digest realm="r", nonce="n", qop="auth"'))!, 'u', 'p', () => 'c');
  const counts = Array.from({ length: 10 }, () => /nc=(\w+)/.exec(session.authorization('PROPFIND', '/'))?.[1]);
  assert.deepEqual(counts, ['00000001', '00000002', '00000003', '00000004', '00000005', '00000006', '00000007', '00000008', '00000009', '0000000a']);
});

test('challenges: Basic beside Digest, stale=true, escapes in quoted strings, and what cannot be answered', () => {
  assert.deepEqual(parseChallenges('Basic realm="a, b", Digest realm="say \\"hi\\"", nonce=abc, stale=TRUE, qop="auth"'), [
    { scheme: 'basic', params: { realm: 'a, b' } },
    { scheme: 'digest', params: { realm: 'say "hi"', nonce: 'abc', stale: 'TRUE', qop: 'auth' } },
  ]);
  assert.deepEqual(chooseDigest(parseChallenges('Digest realm="r", nonce="n", stale=true')), { realm: 'r', nonce: 'n', opaque: undefined, algorithm: 'MD5', qop: false, stale: true });
  // SHA-512-256, qop=auth-int alone, no nonce, and another scheme: nothing this client answers.
  assert.equal(chooseDigest(parseChallenges('Digest realm="r", nonce="n", algorithm=SHA-512-256, qop="auth"')), null);
  assert.equal(chooseDigest(parseChallenges('Digest realm="r", nonce="n", qop="auth-int"')), null);
  assert.equal(chooseDigest(parseChallenges('Digest realm="r", qop="auth"')), null);
  assert.equal(chooseDigest(parseChallenges('Bearer realm="r", Negotiate')), null);
});

test('a user name that cannot be a quoted string goes as username* (RFC 7616 3.4.4)', () => {
  const session = new DigestSession(chooseDigest(parseChallenges('Digest realm="r", nonce="n", qop="auth"'))!, 'Jäsøn Doe', 'p', () => 'c');
  assert.match(session.authorization('GET', '/'), /^Digest username\*=UTF-8''J%C3%A4s%C3%B8n%20Doe, realm="r", /);
});
