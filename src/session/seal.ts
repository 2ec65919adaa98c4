/** Seal and unseal JSON payloads as compact JWE (`dir` + `A256GCM`). */
import { CompactEncrypt, compactDecrypt, decodeProtectedHeader } from 'jose';
import type { SessionKeys } from './keys.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Purpose tags keep a state cookie from being replayed as a session cookie and vice versa. */
export type SealPurpose = 'session' | 'oidc-tx' | 'login-csrf';

export async function seal(payload: Record<string, unknown>, purpose: SealPurpose, keys: SessionKeys): Promise<string> {
  return new CompactEncrypt(encoder.encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: keys.sealing.kid, typ: purpose })
    .encrypt(keys.sealing.key);
}

export type UnsealResult = { ok: true; payload: Record<string, unknown>; kid: string } | { ok: false; reason: 'malformed' | 'unknown-key' | 'wrong-purpose' | 'tampered' };

const MAX_TOKEN_LENGTH = 8192;

/** Never throws: garbage, foreign keys and tampering are reasons. */
export async function unseal(token: string, purpose: SealPurpose, keys: SessionKeys): Promise<UnsealResult> {
  if (token.length > MAX_TOKEN_LENGTH || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) {
    return { ok: false, reason: 'malformed' };
  }
  let header;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (header.alg !== 'dir' || header.enc !== 'A256GCM' || header.zip !== undefined || header.crit !== undefined) return { ok: false, reason: 'tampered' };
  if (header.typ !== purpose) return { ok: false, reason: 'wrong-purpose' };
  const key = typeof header.kid === 'string' ? keys.byKid.get(header.kid) : undefined;
  if (!key) return { ok: false, reason: 'unknown-key' };
  try {
    const { plaintext } = await compactDecrypt(token, key.key, {
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
    });
    const payload: unknown = JSON.parse(decoder.decode(plaintext));
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return { ok: false, reason: 'malformed' };
    return { ok: true, payload: payload as Record<string, unknown>, kid: key.kid };
  } catch {
    return { ok: false, reason: 'tampered' };
  }
}
