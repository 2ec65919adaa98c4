/** Session keys: one AES-256 key per configured secret, derived with HKDF; the first seals. */
import { createHash, createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';

interface SessionKey {
  kid: string;
  key: KeyObject;
  /** Raw bytes, for HMACs (CSRF tokens). */
  raw: Buffer;
}

export interface SessionKeys {
  sealing: SessionKey;
  all: SessionKey[];
  byKid: Map<string, SessionKey>;
}

const SALT = 'authgate session v1';

export function deriveSessionKeys(secrets: readonly string[]): SessionKeys {
  if (secrets.length === 0) throw new TypeError('deriveSessionKeys needs at least one secret');
  const all = secrets.map((secret) => {
    const raw = Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), SALT, 'A256GCM cookie', 32));
    const kid = createHash('sha256').update(raw).digest('base64url').slice(0, 12);
    return { kid, key: createSecretKey(raw), raw };
  });
  return { sealing: all[0] as SessionKey, all, byKid: new Map(all.map((k) => [k.kid, k])) };
}
