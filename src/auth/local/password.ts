/** scrypt password hashes with their parameters in the string: `$scrypt$ln=15,r=8,p=1$<salt>$<hash>`. */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const DEFAULT = { ln: 15, r: 8, p: 1 };
const KEY_LENGTH = 32;
const FORMAT = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/=_-]{16,88})\$([A-Za-z0-9+/=_-]{16,88})$/;

function derive(password: string, salt: Buffer, ln: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** ln;
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, { N, r, p, maxmem: 256 * N * r + 1_048_576 }, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

export async function hashPassword(password: string, params = DEFAULT): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, params.ln, params.r, params.p);
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Parameters scrypt accepts without surprises: r and p of 0 mean "default" to Node, memory at most 1 GiB. */
function saneParams(ln: number, r: number, p: number): boolean {
  return ln >= 10 && ln <= 20 && r >= 1 && r <= 32 && p >= 1 && p <= 16 && 128 * 2 ** ln * r <= 2 ** 30;
}

export function isPasswordHash(text: string): boolean {
  const m = FORMAT.exec(text);
  return m !== null && saneParams(Number(m[1]), Number(m[2]), Number(m[3]));
}

/** Constant-time comparison; a malformed hash never verifies. */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const m = FORMAT.exec(hash);
  if (!m || !isPasswordHash(hash)) return false;
  const expected = Buffer.from(m[5] as string, 'base64url');
  let key: Buffer;
  try {
    key = await derive(password, Buffer.from(m[4] as string, 'base64url'), Number(m[1]), Number(m[2]), Number(m[3]));
  } catch {
    return false;
  }
  return expected.length === key.length && timingSafeEqual(expected, key);
}

/** A valid hash of a random password: unknown users cost the same time as known ones. */
export const DUMMY_HASH_PROMISE: Promise<string> = hashPassword(randomBytes(16).toString('hex'));
