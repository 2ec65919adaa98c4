/**
 * The signed identity assertion: a short-lived ES256 JWT the upstream can verify against the
 * JWKS. One token is reused per session until 80% of its lifetime, not minted per request.
 */
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Identity } from '../core/index.ts';
import { AuthgateError } from '../core/index.ts';
import type { KeySet } from './keys.ts';
import { LruCache } from '../core/index.ts';

export interface AssertionOptions {
  keys: KeySet;
  issuer: string;
  audience: string;
  ttlMs: number;
  now?: () => number;
  cacheSize?: number;
}

export interface AssertionSigner {
  /** A token for this session's identity; throws ERR_SIGNING_FAILED (the request must fail, never go out unsigned). */
  tokenFor(identity: Identity, sid: string): Promise<string>;
}

export function assertionSigner(options: AssertionOptions): AssertionSigner {
  const now = options.now ?? Date.now;
  const cache = new LruCache<string, { token: string; renewAt: number }>(options.cacheSize ?? 10_000);
  return {
    async tokenFor(identity, sid) {
      const key = `${sid}|${identity.refreshedAt}|${identity.role}`;
      const t = now();
      const cached = cache.get(key);
      if (cached && cached.renewAt > t) return cached.token;
      try {
        const iat = Math.floor(t / 1000);
        const token = await new SignJWT({
          username: identity.username,
          email: identity.email,
          name: [identity.firstName, identity.lastName].filter(Boolean).join(' ') || undefined,
          groups: identity.groups,
          role: identity.role,
          provider: identity.provider,
          sid,
        })
          .setProtectedHeader({ alg: 'ES256', kid: options.keys.signing.kid, typ: 'JWT' })
          .setIssuer(options.issuer)
          .setAudience(options.audience)
          .setSubject(identity.uniqueId)
          .setIssuedAt(iat)
          .setNotBefore(iat)
          .setExpirationTime(iat + Math.floor(options.ttlMs / 1000))
          .setJti(randomBytes(12).toString('base64url'))
          .sign(options.keys.signing.privateKey);
        cache.set(key, { token, renewAt: t + Math.floor(options.ttlMs * 0.8) });
        return token;
      } catch (error) {
        throw new AuthgateError('ERR_SIGNING_FAILED', 'The identity assertion could not be signed.', { status: 500, cause: error });
      }
    },
  };
}
