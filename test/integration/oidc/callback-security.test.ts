/**
 * The callback refuses what it must: tampered state, foreign or expired transactions,
 * replayed codes and nonces, and crafted ID tokens. Crafted tokens are served by the real
 * provider's token endpoint (the test IdP swaps the ID token), so they travel authgate's
 * whole path: openid-client validation, signature check against the JWKS, our claim checks.
 */
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { generateKeyPair, SignJWT, base64url } from 'jose';
import t from 'tap';
import { OidcLoginError } from '../../../src/auth/oidc/index.ts';
import type { IdTokenTamper } from '../../support/oidc-provider.ts';
import { oidcFixture } from '../../support/oidc-fixture.ts';

const now = () => Math.floor(Date.now() / 1000);

async function refusal(promise: Promise<unknown>): Promise<OidcLoginError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  if (!(error instanceof OidcLoginError)) throw new Error(`expected an OidcLoginError, got ${String(error)}`, { cause: error });
  return error;
}

t.test('callback parameters and transactions', async (t) => {
  const f = await oidcFixture(t);

  t.test('state changed in the callback', async (t) => {
    const { callbackUrl, transaction } = await f.authorize('ada');
    callbackUrl.searchParams.set('state', `${transaction.state}x`);
    const error = await refusal(f.provider.completeLogin(callbackUrl, transaction));
    t.equal(error.reason, 'state-mismatch');
    t.equal(error.status, 400);
  });

  t.test('state missing from the callback', async (t) => {
    const { callbackUrl, transaction } = await f.authorize('ada');
    callbackUrl.searchParams.delete('state');
    t.equal((await refusal(f.provider.completeLogin(callbackUrl, transaction))).reason, 'state-mismatch');
  });

  t.test('callback of one login completed with the transaction of another', async (t) => {
    const first = await f.authorize('ada');
    const second = await f.provider.beginLogin('/');
    t.equal((await refusal(f.provider.completeLogin(first.callbackUrl, second.transaction))).reason, 'state-mismatch');
  });

  t.test('transaction of another provider, expired, or missing', async (t) => {
    const { callbackUrl, transaction } = await f.authorize('ada');
    for (const bad of [{ ...transaction, provider: 'other' }, { ...transaction, createdAt: now() - 3600 }, undefined, { ...transaction, codeVerifier: 'short' }]) {
      const error = await refusal(f.provider.completeLogin(callbackUrl, bad as never));
      t.equal(error.reason, 'transaction-invalid', error.detail ?? '');
    }
  });

  t.test('issuer parameter of another issuer (mix-up)', async (t) => {
    const { callbackUrl, transaction } = await f.authorize('ada');
    callbackUrl.searchParams.set('iss', 'https://evil.example');
    t.equal((await refusal(f.provider.completeLogin(callbackUrl, transaction))).reason, 'issuer-mismatch');
  });

  t.test('a code used twice (replayed callback)', async (t) => {
    const { callbackUrl, transaction } = await f.authorize('ada');
    await f.provider.completeLogin(callbackUrl, transaction);
    const error = await refusal(f.provider.completeLogin(callbackUrl, transaction));
    t.equal(error.reason, 'code-rejected');
  });

  t.test('a code with a wrong PKCE verifier', async (t) => {
    const { callbackUrl, transaction } = await f.authorize('ada');
    const error = await refusal(f.provider.completeLogin(callbackUrl, { ...transaction, codeVerifier: 'A'.repeat(43) }));
    t.equal(error.reason, 'code-rejected');
  });
});

t.test('crafted ID tokens from the token endpoint', async (t) => {
  const f = await oidcFixture(t);
  const intruder = await generateKeyPair('RS256');
  let previousNonce = '';
  const cases: { name: string; reason?: string; tamper: IdTokenTamper }[] = [
    { name: 'control: genuine claims re-signed with the provider key are accepted', tamper: ({ payload }, keys) => keys.sign(payload) },
    { name: 'alg none', reason: 'unsupported-alg', tamper: ({ payload }) => `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${base64url.encode(JSON.stringify(payload))}.` },
    {
      name: 'HS256 keyed with the provider public key',
      reason: 'unsupported-alg',
      tamper: async ({ payload }, keys) => {
        const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = keys.current;
        const pem = createPublicKey({ key: pub as JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
        return new SignJWT(payload).setProtectedHeader({ alg: 'HS256', kid: keys.current.kid as string }).sign(new TextEncoder().encode(pem));
      },
    },
    { name: 'wrong audience', reason: 'audience-mismatch', tamper: ({ payload }, keys) => keys.sign({ ...payload, aud: 'someone-else' }) },
    { name: 'wrong issuer', reason: 'issuer-mismatch', tamper: ({ payload }, keys) => keys.sign({ ...payload, iss: 'https://evil.example' }) },
    { name: 'expired', reason: 'token-expired', tamper: ({ payload }, keys) => keys.sign({ ...payload, iat: now() - 7200, exp: now() - 3600 }) },
    { name: 'issued in the future', reason: 'token-not-yet-valid', tamper: ({ payload }, keys) => keys.sign({ ...payload, iat: now() + 3600, exp: now() + 7200 }) },
    { name: 'not valid before a future nbf', reason: 'token-not-yet-valid', tamper: ({ payload }, keys) => keys.sign({ ...payload, nbf: now() + 3600 }) },
    {
      name: 'claims changed after signing (bad signature)',
      reason: 'bad-signature',
      tamper: async ({ payload }, keys) => {
        const [h, , s] = (await keys.sign(payload)).split('.');
        return `${h}.${base64url.encode(JSON.stringify({ ...payload, sub: 'admin' }))}.${s}`;
      },
    },
    {
      name: 'signed by a key the provider never published',
      reason: 'unknown-signing-key',
      tamper: ({ payload }) => new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: 'intruder' }).sign(intruder.privateKey),
    },
    {
      name: 'signed by another key under the provider kid',
      reason: 'bad-signature',
      tamper: ({ payload }, keys) => new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: keys.current.kid as string }).sign(intruder.privateKey),
    },
    {
      name: 'nonce replayed from an earlier login',
      reason: 'nonce-mismatch',
      tamper: ({ payload }, keys) => keys.sign({ ...payload, nonce: previousNonce }),
    },
    { name: 'no nonce', reason: 'nonce-mismatch', tamper: ({ payload }, keys) => keys.sign({ ...payload, nonce: undefined }) },
  ];

  const first = await f.authorize('ada');
  previousNonce = first.transaction.nonce;
  await f.provider.completeLogin(first.callbackUrl, first.transaction);

  for (const c of cases) {
    t.test(c.name, async (t) => {
      f.idp.tamperIdToken(c.tamper);
      t.teardown(() => f.idp.tamperIdToken(undefined));
      const attempt = f.login('ada');
      if (!c.reason) {
        t.equal((await attempt).profile.uniqueId, 'ada');
        return;
      }
      const error = await refusal(attempt);
      t.equal(error.reason, c.reason, error.detail ?? '');
      t.equal(error.code, 'ERR_OIDC_CALLBACK');
      t.ok(error.expose, 'public message may be shown');
    });
  }
});
