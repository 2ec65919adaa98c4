/**
 * An authgate OIDC provider wired to the test OpenID provider, for integration tests:
 * `login('ada')` runs the whole browserless flow and returns what completeLogin returns.
 */
import type { Test } from 'tap';
import { oidcProviderSchema, type OidcProviderInput } from '../../src/config/schema/oidc.ts';
import { createOidcProvider, type OidcProvider, type OidcProviderDeps, type OidcTransaction } from '../../src/auth/oidc/index.ts';
import { browserlessLogin } from './browserless-login.ts';
import { startOidcProvider, type StartOidcProviderOptions, type TestOidcProvider } from './oidc-provider.ts';

export const REDIRECT_URI = 'https://authgate.test/__authgate__/callback/test-idp';
export const POST_LOGOUT_URI = 'https://authgate.test/__authgate__/logout/done';

export interface OidcFixture {
  idp: TestOidcProvider;
  provider: OidcProvider;
  /** A new authgate provider against the same IdP, with other settings. */
  makeProvider(overrides?: Partial<OidcProviderInput>, deps?: Partial<OidcProviderDeps>): OidcProvider;
  /** beginLogin + browserless login at the IdP; returns the callback URL and the transaction. */
  authorize(login: string, provider?: OidcProvider): Promise<{ callbackUrl: URL; transaction: OidcTransaction }>;
  login(login: string, provider?: OidcProvider): ReturnType<OidcProvider['completeLogin']>;
}

export async function oidcFixture(
  t: Test,
  overrides: Partial<OidcProviderInput> = {},
  idpOptions: Partial<StartOidcProviderOptions> = {},
  deps: Partial<OidcProviderDeps> = {},
): Promise<OidcFixture> {
  const idp = await startOidcProvider({ redirectUris: [REDIRECT_URI], postLogoutRedirectUris: [POST_LOGOUT_URI], ...idpOptions });
  t.teardown(() => idp.stop());
  const caFile = 'test-ca.pem';
  const providers: OidcProvider[] = [];
  t.teardown(async () => {
    await Promise.all(providers.map((p) => p.close()));
  });

  const makeProvider = (more: Partial<OidcProviderInput> = {}, moreDeps: Partial<OidcProviderDeps> = {}) => {
    const config = oidcProviderSchema.parse({
      type: 'oidc',
      id: 'test-idp',
      name: 'Test IdP',
      issuer: idp.issuer,
      clientId: idp.clientId,
      clientSecretEnv: 'TEST_IDP_SECRET',
      caFile,
      ...overrides,
      ...more,
    });
    const provider = createOidcProvider(config, {
      redirectUri: REDIRECT_URI,
      readSecret: () => idp.clientSecret,
      readFile: (path) => {
        if (path === caFile) return idp.caPem;
        throw new Error(`unexpected file ${path}`);
      },
      ...deps,
      ...moreDeps,
    });
    providers.push(provider);
    return provider;
  };
  const provider = makeProvider();

  const authorize = async (login: string, p = provider) => {
    const { authorizationUrl, transaction } = await p.beginLogin('/after/login?x=1');
    const callbackUrl = await browserlessLogin(authorizationUrl, { login, caPem: idp.caPem, redirectUri: REDIRECT_URI });
    return { callbackUrl, transaction };
  };
  const login = async (name: string, p = provider) => {
    const { callbackUrl, transaction } = await authorize(name, p);
    return p.completeLogin(callbackUrl, transaction);
  };
  return { idp, provider, makeProvider, authorize, login };
}
