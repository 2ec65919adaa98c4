/**
 * Key rotation at the provider works without a restart, and a provider that is down when
 * authgate starts does not stop it: the provider reports unavailable, then recovers.
 */
import { decodeProtectedHeader } from 'jose';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { isAuthgateError } from '../../../src/core/errors.ts';
import { oidcFixture } from '../../support/oidc-fixture.ts';

const jwksFetches = (requests: string[]) => requests.filter((r) => r === 'GET /jwks').length;

t.test('provider key rotation: a token signed with a new kid is accepted at once', async (t) => {
  const f = await oidcFixture(t);
  const before = await f.login('ada');
  const oldKid = decodeProtectedHeader(before.tokens.idToken as string).kid;
  t.equal(jwksFetches(f.idp.requests), 1, 'JWKS fetched once');

  const newKid = await f.idp.rotateKeys();
  const after = await f.login('ada');
  t.equal(decodeProtectedHeader(after.tokens.idToken as string).kid, newKid, 'signed with the new key');
  t.not(newKid, oldKid);
  t.equal(jwksFetches(f.idp.requests), 2, 'unknown kid made authgate fetch the JWKS again');

  await f.login('ada');
  t.equal(jwksFetches(f.idp.requests), 2, 'the refreshed JWKS is cached');

  await sleep(2100); // past the forced-refresh cooldown
  const newest = await f.idp.rotateKeys({ dropOld: true });
  const third = await f.login('ada');
  t.equal(decodeProtectedHeader(third.tokens.idToken as string).kid, newest, 'old keys withdrawn: still fine');
});

t.test('provider down at start, then up', async (t) => {
  const f = await oidcFixture(t);
  await f.idp.stop();
  const provider = f.makeProvider({ discoveryRetryInterval: '300ms', httpTimeout: '2s' });

  const health = await provider.health();
  t.equal(health.ok, false, 'health reports the provider down');
  t.match(health.detail, f.idp.issuer);
  const error = await provider.beginLogin('/').then(() => undefined, (e: unknown) => e);
  t.ok(isAuthgateError(error, 'ERR_OIDC_UNAVAILABLE'), 'login button answers unavailable');
  t.equal((error as { status: number }).status, 503);

  const started = Date.now();
  await provider.health();
  t.ok(Date.now() - started < 100, 'inside the back-off no request is made');

  await f.idp.restart();
  let ok = false;
  for (let i = 0; i < 30 && !ok; i++) {
    ok = (await provider.health()).ok;
    if (!ok) await sleep(100);
  }
  t.ok(ok, 'recovers after the retry interval');
  const { profile } = await f.login('ada', provider);
  t.equal(profile.username, 'ada@example.com', 'logins work once it is back');
});

t.test('provider down during a login', async (t) => {
  const f = await oidcFixture(t, { httpTimeout: '2s' });
  const { callbackUrl, transaction } = await f.authorize('ada');
  await f.idp.stop();
  const error = await f.provider.completeLogin(callbackUrl, transaction).then(() => undefined, (e: unknown) => e);
  t.ok(isAuthgateError(error, 'ERR_OIDC_UNAVAILABLE'), 'unreachable token endpoint: unavailable, not a callback error');
  t.equal((await f.provider.health()).ok, true, 'discovery stays cached');
});
