// The Authorization a request to the configured server carries: Basic from the first request (a
// server that takes it costs no round trip more), Digest from the server's first Digest challenge on,
// for the rest of the run. A server known to want Digest gets nothing before its challenge.
import { chooseDigest, DigestSession, parseChallenges } from './digest-auth.ts';

export class LoginCredentials {
  private digest: DigestSession | null = null;
  private readonly basic: string;

  /** `withholdBasic`: the server wanted Digest before; Basic is sent only if it now asks for it. */
  constructor(
    private readonly username: string,
    private readonly password: string,
    private withholdBasic = false,
  ) {
    this.basic = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  }

  /** Whether the server has asked for Digest in this run. */
  get usesDigest(): boolean {
    return this.digest !== null;
  }

  authorization(method: string, url: URL): string {
    return this.digest?.authorization(method, url.pathname + url.search) ?? (this.withholdBasic ? '' : this.basic);
  }

  /**
   * After a 401 to a request that carried `sent`: whether to send it again, answering the Digest
   * challenge of `wwwAuthenticate`. Not when `sent` answered a nonce the server still holds good (no
   * stale=true): then the password is wrong, and the 401 stands.
   */
  challenged(wwwAuthenticate: string | null, sent: string): boolean {
    const challenges = parseChallenges(wwwAuthenticate ?? '');
    const challenge = chooseDigest(challenges);
    if (challenge === null && sent === '' && challenges.some((c) => c.scheme === 'basic')) {
      this.withholdBasic = false;
      return true;
    }
    if (challenge === null || (sent.startsWith('Digest ') && !challenge.stale)) return false;
    this.digest = new DigestSession(challenge, this.username, this.password);
    return true;
  }
}

/**
 * The schemes a 401 asks for when none of them can be answered here (Bearer, Negotiate, Digest
 * with SHA-512-256 or only qop=auth-int ...), or null: a wrong password is then not the cause.
 */
export function unanswerableSchemes(wwwAuthenticate: string | null): string | null {
  const challenges = parseChallenges(wwwAuthenticate ?? '');
  if (challenges.length === 0 || challenges.some((c) => c.scheme === 'basic') || chooseDigest(challenges) !== null) return null;
  return challenges
    .map((c) => (c.scheme === 'digest' ? `Digest with algorithm=${c.params.algorithm ?? 'MD5'} and qop=${c.params.qop ?? '(none)'}` : c.scheme))
    .join(', ');
}
