import t from 'tap';
import fc from 'fast-check';
import { CompactEncrypt, base64url } from 'jose';
import { deriveSessionKeys } from '../../../src/session/keys.ts';
import { seal, unseal, type SealPurpose } from '../../../src/session/seal.ts';

const OLD = 'o'.repeat(48);
const NEW = 'n'.repeat(48);
const keysOld = deriveSessionKeys([OLD]);
const keysRotated = deriveSessionKeys([NEW, OLD]);
const keysNewOnly = deriveSessionKeys([NEW]);
const payload = { sid: 's1', n: 42, groups: ['a', 'b'] };

const encoder = new TextEncoder();
const parts = (token: string) => token.split('.');
const headerOf = (token: string) => JSON.parse(new TextDecoder().decode(base64url.decode(parts(token)[0] as string))) as Record<string, unknown>;
const withHeader = (token: string, change: (h: Record<string, unknown>) => Record<string, unknown>) => {
  const p = parts(token);
  p[0] = base64url.encode(JSON.stringify(change(headerOf(token))));
  return p.join('.');
};
const flip = (text: string, at: number) => `${text.slice(0, at)}${text[at] === 'A' ? 'B' : 'A'}${text.slice(at + 1)}`;
const withPart = (token: string, index: number, change: (s: string) => string) => {
  const p = parts(token);
  p[index] = change(p[index] as string);
  return p.join('.');
};

t.test('keys: one per secret, the first seals, kids stable and distinct', async (t) => {
  t.equal(keysRotated.all.length, 2);
  t.equal(keysRotated.sealing.kid, keysNewOnly.sealing.kid);
  t.equal(keysRotated.all[1]?.kid, keysOld.sealing.kid);
  t.not(keysOld.sealing.kid, keysNewOnly.sealing.kid);
  t.equal(deriveSessionKeys([OLD]).sealing.kid, keysOld.sealing.kid);
  t.equal(keysOld.sealing.raw.length, 32);
  t.equal(keysOld.sealing.key.symmetricKeySize, 32);
  t.equal(keysRotated.byKid.get(keysOld.sealing.kid)?.kid, keysOld.sealing.kid);
  t.throws(() => deriveSessionKeys([]), TypeError);
});

t.test('seal produces a compact JWE with dir + A256GCM, kid and typ', async (t) => {
  const token = await seal(payload, 'session', keysOld);
  t.equal(parts(token).length, 5);
  t.equal(parts(token)[1], '', 'dir: no encrypted key');
  t.same(headerOf(token), { alg: 'dir', enc: 'A256GCM', kid: keysOld.sealing.kid, typ: 'session' });
  t.notOk(Buffer.from(parts(token)[3] ?? '', 'base64url').toString('latin1').includes('"sid"'), 'payload is not readable (regression: matching the raw token failed when random ciphertext spelled "42")');
});

t.test('round trip for every purpose', async (t) => {
  for (const purpose of ['session', 'oidc-tx', 'login-csrf'] as SealPurpose[]) {
    const token = await seal(payload, purpose, keysOld);
    t.same(await unseal(token, purpose, keysOld), { ok: true, payload, kid: keysOld.sealing.kid }, purpose);
  }
});

t.test('two seals of the same payload differ (random IV)', async (t) => {
  t.not(await seal(payload, 'session', keysOld), await seal(payload, 'session', keysOld));
});

t.test('rotation: an old-secret token unseals while the secret is second in the list', async (t) => {
  const old = await seal(payload, 'session', keysOld);
  t.same(await unseal(old, 'session', keysRotated), { ok: true, payload, kid: keysOld.sealing.kid });
  const fresh = await seal(payload, 'session', keysRotated);
  t.equal(headerOf(fresh).kid, keysNewOnly.sealing.kid, 'new tokens are sealed with the first secret');
  t.same(await unseal(fresh, 'session', keysNewOnly), { ok: true, payload, kid: keysNewOnly.sealing.kid });
});

t.test('rotation: an old-secret token is refused once the secret is removed', async (t) => {
  const old = await seal(payload, 'session', keysOld);
  t.same(await unseal(old, 'session', keysNewOnly), { ok: false, reason: 'unknown-key' });
});

interface Case {
  name: string;
  token: () => Promise<string>;
  purpose?: SealPurpose;
  reason: 'malformed' | 'unknown-key' | 'wrong-purpose' | 'tampered';
}

const good = () => seal(payload, 'session', keysRotated);
const cases: Case[] = [
  { name: 'wrong purpose: OIDC state replayed as a session', token: () => seal(payload, 'oidc-tx', keysRotated), reason: 'wrong-purpose' },
  { name: 'wrong purpose: session replayed as CSRF state', token: good, purpose: 'login-csrf', reason: 'wrong-purpose' },
  { name: 'typ rewritten in the header (purpose is authenticated)', token: async () => withHeader(await seal(payload, 'oidc-tx', keysRotated), (h) => ({ ...h, typ: 'session' })), reason: 'tampered' },
  { name: 'typ removed', token: async () => withHeader(await good(), ({ typ: _typ, ...h }) => h), reason: 'wrong-purpose' },
  { name: 'unknown kid', token: async () => withHeader(await good(), (h) => ({ ...h, kid: 'nope' })), reason: 'unknown-key' },
  { name: 'kid missing', token: async () => withHeader(await good(), ({ kid: _kid, ...h }) => h), reason: 'unknown-key' },
  { name: 'kid of the other configured key', token: async () => withHeader(await good(), (h) => ({ ...h, kid: keysOld.sealing.kid })), reason: 'tampered' },
  { name: 'kid not a string', token: async () => withHeader(await good(), (h) => ({ ...h, kid: 1 })), reason: 'unknown-key' },
  { name: 'alg changed to A256KW', token: async () => withHeader(await good(), (h) => ({ ...h, alg: 'A256KW' })), reason: 'tampered' },
  { name: 'alg none', token: async () => withHeader(await good(), (h) => ({ ...h, alg: 'none' })), reason: 'tampered' },
  { name: 'enc changed to A128GCM', token: async () => withHeader(await good(), (h) => ({ ...h, enc: 'A128GCM' })), reason: 'tampered' },
  { name: 'enc changed to A256CBC-HS512', token: async () => withHeader(await good(), (h) => ({ ...h, enc: 'A256CBC-HS512' })), reason: 'tampered' },
  { name: 'extra header parameter (zip)', token: async () => withHeader(await good(), (h) => ({ ...h, zip: 'DEF' })), reason: 'tampered' },
  { name: 'ciphertext bit flipped', token: async () => withPart(await good(), 3, (s) => flip(s, 2)), reason: 'tampered' },
  { name: 'tag flipped', token: async () => withPart(await good(), 4, (s) => flip(s, 0)), reason: 'tampered' },
  { name: 'IV flipped', token: async () => withPart(await good(), 2, (s) => flip(s, 0)), reason: 'tampered' },
  { name: 'tag truncated', token: async () => withPart(await good(), 4, (s) => s.slice(0, 10)), reason: 'tampered' },
  { name: 'ciphertext truncated', token: async () => withPart(await good(), 3, (s) => s.slice(0, 4)), reason: 'tampered' },
  { name: 'encrypted key added to a dir token', token: async () => withPart(await good(), 1, () => 'AAAA'), reason: 'tampered' },
  { name: 'last segment dropped', token: async () => parts(await good()).slice(0, 4).join('.'), reason: 'malformed' },
  { name: 'token cut in half', token: async () => (await good()).slice(0, 40), reason: 'malformed' },
  { name: 'empty string', token: async () => '', reason: 'malformed' },
  { name: 'plain garbage', token: async () => 'hello world', reason: 'malformed' },
  { name: 'a JWS (three parts)', token: async () => 'eyJhbGciOiJIUzI1NiJ9.e30.abc', reason: 'malformed' },
  { name: 'six parts', token: async () => `${await good()}.x`, reason: 'malformed' },
  { name: 'characters outside base64url', token: async () => `${await good()}=`, reason: 'malformed' },
  { name: 'header not JSON', token: async () => withPart(await good(), 0, () => base64url.encode('not json')), reason: 'malformed' },
  { name: 'header a JSON array', token: async () => withPart(await good(), 0, () => base64url.encode('[1]')), reason: 'malformed' },
  { name: 'over 8 KiB', token: async () => `${await good()}${'A'.repeat(8192)}`, reason: 'malformed' },
  {
    name: 'payload is a JSON array (not an object)',
    token: () => new CompactEncrypt(encoder.encode('[1,2]')).setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: keysRotated.sealing.kid, typ: 'session' }).encrypt(keysRotated.sealing.key),
    reason: 'malformed',
  },
  {
    name: 'payload is JSON null',
    token: () => new CompactEncrypt(encoder.encode('null')).setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: keysRotated.sealing.kid, typ: 'session' }).encrypt(keysRotated.sealing.key),
    reason: 'malformed',
  },
  {
    name: 'payload is not JSON',
    token: () => new CompactEncrypt(encoder.encode('not json')).setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: keysRotated.sealing.kid, typ: 'session' }).encrypt(keysRotated.sealing.key),
    reason: 'tampered',
  },
];

for (const c of cases) {
  t.test(`refused: ${c.name}`, async (t) => {
    t.same(await unseal(await c.token(), c.purpose ?? 'session', keysRotated), { ok: false, reason: c.reason });
  });
}

t.test('property: unseal never throws for random strings', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 100 })), async (s) => {
      const result = await unseal(s, 'session', keysRotated);
      if (result.ok) throw new Error('random string unsealed');
    }),
    { numRuns: 2000 },
  );
  t.pass('no counterexample');
});

function sameBytes(a: string, b: string): boolean {
  const pa = parts(a);
  const pb = parts(b);
  try {
    return pa.length === pb.length && pa.every((part, i) => Buffer.from(base64url.decode(part)).equals(Buffer.from(base64url.decode(pb[i] as string))));
  } catch {
    return false;
  }
}

t.test('property: unseal never throws for random five-part tokens or mutated real tokens', async (t) => {
  const real = await good();
  const b64 = fc.stringMatching(/^[A-Za-z0-9_-]{0,60}$/);
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.tuple(b64, b64, b64, b64, b64).map((p) => p.join('.')),
        fc.tuple(fc.jsonValue(), b64, b64, b64).map(([h, iv, ct, tag]) => `${base64url.encode(JSON.stringify(h) ?? '')}..${iv}.${ct}.${tag}`),
        fc.tuple(fc.nat({ max: real.length - 1 }), fc.constantFrom('A', '_', '-', '.', '', 'zz')).map(([at, ch]) => `${real.slice(0, at)}${ch}${real.slice(at + 1)}`),
      ),
      async (token) => {
        const result = await unseal(token, 'session', keysRotated);
        // Base64url's unused trailing bits may change without changing the bytes: that is the same token.
        if (result.ok && !sameBytes(token, real)) throw new Error(`mutated token unsealed: ${token}`);
      },
    ),
    { numRuns: 2000 },
  );
  t.pass('no counterexample');
});

t.test('regression: a token sealed with the real key but a zip or crit header is refused', async (t) => {
  const { CompactEncrypt } = await import('jose');
  const { deriveSessionKeys: derive, unseal: open } = await import('../../../src/session/index.ts');
  const keys = derive(['a-session-secret-that-is-long-enough-0123456789']);
  const payload = new TextEncoder().encode(JSON.stringify({ sid: 'x' }));
  for (const extra of [{ zip: 'DEF' }, { crit: ['b64'], b64: true }]) {
    let token: string;
    try {
      token = await new CompactEncrypt(payload).setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: keys.sealing.kid, typ: 'session', ...extra } as never).encrypt(keys.sealing.key);
    } catch {
      continue; // jose refuses to produce it: nothing to accept
    }
    t.match(await open(token, 'session', keys), { ok: false }, JSON.stringify(extra));
  }
});
