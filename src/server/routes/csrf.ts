/**
 * CSRF tokens for the login and logout forms: an HMAC of a value bound to the browser (a
 * random cookie for login, the session id for logout), compared in constant time.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export function csrfToken(key: Buffer, bound: string, purpose: 'login' | 'logout'): string {
  return createHmac('sha256', key).update(`${purpose}\0${bound}`).digest('base64url');
}

export function checkCsrf(key: Buffer, bound: string | undefined, purpose: 'login' | 'logout', token: unknown): boolean {
  if (!bound || typeof token !== 'string' || token.length > 100) return false;
  const expected = Buffer.from(csrfToken(key, bound, purpose));
  const given = Buffer.from(token);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export function newBrowserNonce(): string {
  return randomBytes(18).toString('base64url');
}
