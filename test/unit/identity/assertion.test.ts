import t from 'tap';
import { generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint, createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import type { Identity } from '../../../src/core/identity.ts';
import { assertionSigner } from '../../../src/identity/assertion.ts';
import { generatedKeySet, jwks, keySetFromPem } from '../../../src/identity/keys.ts';
import { AuthgateError } from '../../../src/core/errors.ts';

const T0 = Date.UTC(2025, 0, 1, 9);
const ISSUER = 'https://rstudio.example.com';
const AUDIENCE = 'http://127.0.0.1:3939';
const pkcs8 = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const sec1 = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'sec1', format: 'pem' }) as string;
const pem = `${pkcs8()}${sec1()}\n# a comment between keys\n${pkcs8()}`;

const alice: Identity = {
  provider: 'corp-ad',
  uniqueId: '0f8fad5b-d9cb-469f-a165-70867728950e',
  username: 'alice',
  email: 'alice@example.com',
  firstName: 'Alice',
  lastName: 'Liddell',
  groups: ['staff', 'R Users'],
  role: 'publisher',
  authTime: T0 / 1000,
  refreshedAt: T0 / 1000,
};

function setup(keysPem = pem) {
  let now = T0;
  return keySetFromPem(keysPem).then((keys) => ({
    keys,
    signer: assertionSigner({ keys, issuer: ISSUER, audience: AUDIENCE, ttlMs: 5 * 60_000, now: () => now }),
    advance: (ms: number) => (now += ms),
    verify: (token: string, at = now) => jwtVerify(token, createLocalJWKSet(jwks(keys)), { issuer: ISSUER, audience: AUDIENCE, algorithms: ['ES256'], currentDate: new Date(at) }),
  }));
}

t.test('several keys in one PEM: the first signs, all are published', async (t) => {
  const { keys } = await setup();
  t.equal(keys.all.length, 3);
  t.equal(keys.signing, keys.all[0]);
  t.equal(keys.generated, false);
  const published = jwks(keys).keys;
  t.equal(published.length, 3);
  t.equal(new Set(published.map((k) => k.kid)).size, 3, 'distinct kids');
  for (const jwk of published) {
    t.same({ kty: jwk.kty, crv: jwk.crv, alg: jwk.alg, use: jwk.use }, { kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    t.equal(jwk.d, undefined, 'no private part');
    const { kid, alg: _alg, use: _use, ...bare } = jwk;
    t.equal(kid, await calculateJwkThumbprint(bare, 'sha256'), 'kid is the RFC 7638 thumbprint');
  }
});

t.test('the same PEM gives the same kids (identical JWKS on every replica)', async (t) => {
  const a = await keySetFromPem(pem);
  const b = await keySetFromPem(pem);
  t.same(jwks(a), jwks(b));
});

t.test('a PEM without a private key is refused', async (t) => {
  await t.rejects(keySetFromPem('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'), TypeError);
  await t.rejects(keySetFromPem(''), TypeError);
});

t.test('generated key set: one key, flagged as generated', async (t) => {
  const keys = await generatedKeySet();
  t.equal(keys.generated, true);
  t.equal(keys.all.length, 1);
  t.equal(jwks(keys).keys[0]?.kid, keys.signing.kid);
});

t.test('the token verifies with jose against the JWKS and carries every claim', async (t) => {
  const { keys, signer, verify } = await setup();
  const token = await signer.tokenFor(alice, 'sid-1');
  const { payload, protectedHeader } = await verify(token);
  t.same(protectedHeader, { alg: 'ES256', kid: keys.signing.kid, typ: 'JWT' });
  const iat = Math.floor(T0 / 1000);
  const { jti, ...rest } = payload as JWTPayload & Record<string, unknown>;
  t.match(jti, /^[A-Za-z0-9_-]{16}$/);
  t.same(rest, {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: alice.uniqueId,
    username: 'alice',
    email: 'alice@example.com',
    name: 'Alice Liddell',
    groups: ['staff', 'R Users'],
    role: 'publisher',
    provider: 'corp-ad',
    sid: 'sid-1',
    iat,
    nbf: iat,
    exp: iat + 300,
  });
});

t.test('absent email and names are left out, not sent empty', async (t) => {
  const { signer, verify } = await setup();
  const token = await signer.tokenFor({ provider: 'local', uniqueId: 'u2', username: 'bob', groups: [], role: 'viewer', authTime: 1, refreshedAt: 1 }, 'sid-2');
  const { payload } = await verify(token);
  t.equal(payload.email, undefined);
  t.equal(payload.name, undefined);
  t.same(payload.groups, []);
  t.equal(payload.sub, 'u2');
});

t.test('only a first name gives a name claim of just that', async (t) => {
  const { signer, verify } = await setup();
  const { firstName: _f, lastName: _l, ...rest } = alice;
  const { payload } = await verify(await signer.tokenFor({ ...rest, firstName: 'Alice' }, 'sid-3'));
  t.equal(payload.name, 'Alice');
});

t.test('verification fails after exp, for another audience and against other keys', async (t) => {
  const { signer, verify } = await setup();
  const token = await signer.tokenFor(alice, 'sid-1');
  await t.rejects(verify(token, T0 + 5 * 60_000 + 1000), { code: 'ERR_JWT_EXPIRED' });
  await t.rejects(verify(token, T0 - 60_000), { code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' }, 'not before nbf');
  const other = await keySetFromPem(pkcs8());
  await t.rejects(jwtVerify(token, createLocalJWKSet(jwks(other)), { currentDate: new Date(T0) }), { code: 'ERR_JWKS_NO_MATCHING_KEY' });
  const { keys } = await setup();
  await t.rejects(jwtVerify(token, createLocalJWKSet(jwks(keys)), { audience: 'https://other.example', currentDate: new Date(T0) }), { code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' });
});

t.test('a token is reused until 80% of its lifetime, then a new one is signed', async (t) => {
  const { signer, advance, verify } = await setup();
  const first = await signer.tokenFor(alice, 'sid-1');
  advance(60_000);
  t.equal(await signer.tokenFor(alice, 'sid-1'), first, 'reused after 1m');
  advance(3 * 60_000 - 1); // 80% of 5m is 4m
  t.equal(await signer.tokenFor(alice, 'sid-1'), first, 'reused just before 4m');
  advance(1);
  const second = await signer.tokenFor(alice, 'sid-1');
  t.not(second, first, 'renewed at 4m');
  const { payload } = await verify(second);
  t.equal(payload.iat, Math.floor((T0 + 4 * 60_000) / 1000));
  t.equal(payload.exp, Math.floor((T0 + 4 * 60_000) / 1000) + 300);
  t.not(payload.jti, (await verify(first, T0)).payload.jti, 'fresh jti');
  // The reused token still has at least 20% of its lifetime left whenever it is handed out.
  advance(4 * 60_000 - 1);
  t.equal(await signer.tokenFor(alice, 'sid-1'), second);
  await verify(second);
});

t.test('a token is per session, and changes with the role or a refresh', async (t) => {
  const { signer } = await setup();
  const base = await signer.tokenFor(alice, 'sid-1');
  t.not(await signer.tokenFor(alice, 'sid-2'), base, 'another session');
  t.not(await signer.tokenFor({ ...alice, role: 'administrator' }, 'sid-1'), base, 'role changed');
  t.not(await signer.tokenFor({ ...alice, refreshedAt: alice.refreshedAt + 60 }, 'sid-1'), base, 'groups refreshed');
  t.equal(await signer.tokenFor(alice, 'sid-1'), base, 'the original is still cached');
});

t.test('signing failure throws ERR_SIGNING_FAILED (never an unsigned request)', async (t) => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const keys = await keySetFromPem(rsa);
  const signer = assertionSigner({ keys, issuer: ISSUER, audience: AUDIENCE, ttlMs: 300_000, now: () => T0 });
  const error = await signer.tokenFor(alice, 'sid-1').then(
    () => undefined,
    (e: unknown) => e,
  );
  t.type(error, AuthgateError);
  t.equal((error as AuthgateError).code, 'ERR_SIGNING_FAILED');
  t.equal((error as AuthgateError).status, 500);
  t.ok((error as AuthgateError).cause, 'the original error is kept as cause');
});

t.test('the kid header names the first key after a rotation', async (t) => {
  const newKey = pkcs8();
  const oldKey = pkcs8();
  const before = await keySetFromPem(oldKey);
  const after = await keySetFromPem(`${newKey}${oldKey}`);
  const signer = assertionSigner({ keys: after, issuer: ISSUER, audience: AUDIENCE, ttlMs: 300_000, now: () => T0 });
  const token = await signer.tokenFor(alice, 'sid-1');
  t.equal(decodeProtectedHeader(token).kid, after.signing.kid);
  t.not(after.signing.kid, before.signing.kid);
  t.ok(jwks(after).keys.some((k) => k.kid === before.signing.kid), 'the old key is still published');
});
