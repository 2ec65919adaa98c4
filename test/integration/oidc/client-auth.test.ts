/** Token endpoint authentication against the real provider: private_key_jwt, client_secret_post, a wrong secret. */
import { generateKeyPairSync } from 'node:crypto';
import t from 'tap';
import { isAuthgateError } from '../../../src/core/errors.ts';
import { OidcLoginError } from '../../../src/auth/oidc/index.ts';
import { oidcFixture } from '../../support/oidc-fixture.ts';

t.test('private_key_jwt', async (t) => {
  for (const type of ['rsa', 'ec'] as const) {
    t.test(type, async (t) => {
      const { privateKey, publicKey } =
        type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const jwk = publicKey.export({ format: 'jwk' });
      const f = await oidcFixture(t, {}, { tokenEndpointAuthMethod: 'private_key_jwt', clientJwks: { keys: [{ ...jwk, use: 'sig' }] } });
      const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const provider = f.makeProvider(
        { tokenEndpointAuthMethod: 'private_key_jwt', privateKeyFile: 'client-key.pem', clientSecretEnv: undefined },
        { readFile: (path) => (path === 'client-key.pem' ? pem : f.idp.caPem) },
      );
      const { profile } = await f.login('ada', provider);
      t.equal(profile.uniqueId, 'ada');
    });
  }
});

t.test('client_secret_post', async (t) => {
  const f = await oidcFixture(t, {}, { tokenEndpointAuthMethod: 'client_secret_post' });
  const provider = f.makeProvider({ tokenEndpointAuthMethod: 'client_secret_post' });
  t.equal((await f.login('ada', provider)).profile.uniqueId, 'ada');
});

t.test('a wrong client secret is refused at the token endpoint', async (t) => {
  const f = await oidcFixture(t);
  const provider = f.makeProvider({}, { readSecret: () => 'not-the-secret' });
  const error = await f.login('ada', provider).then(() => undefined, (e: unknown) => e);
  t.ok(isAuthgateError(error, 'ERR_OIDC_CALLBACK'));
  t.equal((error as OidcLoginError).reason, 'client-rejected');
  t.equal((error as OidcLoginError).status, 502, 'our configuration, not the user: not exposed');
  t.match((error as OidcLoginError).detail, /invalid_client/);
});

t.test('no client secret at all is a configuration error', async (t) => {
  const f = await oidcFixture(t);
  t.throws(() => f.makeProvider({}, { readSecret: () => undefined }), { code: 'ERR_CONFIG_INVALID' });
});
