/** ES256 signing keys for the assertion: from a PEM file (several for rotation) or generated. */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, type JWK } from 'jose';

interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicJwk: JWK;
}

export interface KeySet {
  signing: SigningKey;
  all: SigningKey[];
  generated: boolean;
}

async function toSigningKey(privateKey: KeyObject): Promise<SigningKey> {
  const publicJwk = await exportJWK(createPublicKey(privateKey));
  const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
  return { kid, privateKey, publicJwk: { ...publicJwk, kid, alg: 'ES256', use: 'sig' } };
}

/** Every private key in the PEM text; the first one signs. */
export async function keySetFromPem(pem: string): Promise<KeySet> {
  const blocks = pem.match(/-----BEGIN (?:EC )?PRIVATE KEY-----[\s\S]+?-----END (?:EC )?PRIVATE KEY-----/g) ?? [];
  if (blocks.length === 0) throw new TypeError('no PEM private key found');
  const all = await Promise.all(blocks.map((block) => toSigningKey(createPrivateKey(block))));
  return { signing: all[0] as SigningKey, all, generated: false };
}

export async function generatedKeySet(): Promise<KeySet> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const key = await toSigningKey(privateKey);
  return { signing: key, all: [key], generated: true };
}

export function jwks(keys: KeySet): { keys: JWK[] } {
  return { keys: keys.all.map((k) => k.publicJwk) };
}
