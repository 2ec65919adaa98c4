/**
 * A real OpenID provider (`oidc-provider`, certified) over HTTPS on 127.0.0.1 for tests:
 * one confidential client, test users with Google-like claims (hd, email_verified), refresh
 * tokens, dev interactions (a plain HTTP client can post the login and consent forms), key
 * rotation while running, stop/restart on the same port, and a hook that replaces the ID
 * token the token endpoint returns (to prove authgate refuses crafted tokens).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK, type JWTPayload } from 'jose';
import Provider from 'oidc-provider';
import { makeTestTls } from './oidc-provider-tls.ts';

interface TestUser {
  /** Also the login name typed into the provider's login form. */
  sub: string;
  email?: string;
  email_verified?: boolean;
  hd?: string;
  given_name?: string;
  family_name?: string;
  groups?: string[];
  role?: string;
}

const DEFAULT_USERS: TestUser[] = [
  { sub: 'ada', email: 'ada@example.com', email_verified: true, hd: 'example.com', given_name: 'Ada', family_name: 'Lovelace', groups: ['rstudio-users', 'admins'], role: 'administrator' },
  { sub: 'bob', email: 'bob@other.org', email_verified: true, hd: 'other.org', given_name: 'Bob', family_name: 'Builder', groups: ['rstudio-users'] },
  { sub: 'eve', email: 'eve@example.com', email_verified: false, hd: 'example.com', given_name: 'Eve', family_name: 'Unverified' },
  { sub: 'gus', email: 'gus@gmail.com', email_verified: true, given_name: 'Gus', family_name: 'Consumer' },
  // A consumer Google account registered with a company address: the email suffix matches, hd does not.
  { sub: 'mal', email: 'mal@example.com', email_verified: true, given_name: 'Mal', family_name: 'Lookalike' },
  // A Workspace account of example.com whose primary email is on an alias domain.
  { sub: 'cat', email: 'cat@alias.net', email_verified: true, hd: 'example.com', given_name: 'Cat', family_name: 'Alias' },
  // No email at all; the username has to come from another claim.
  { sub: 'nem', given_name: 'Nem', groups: ['ops'] },
];

export interface StartOidcProviderOptions {
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
  users?: TestUser[];
  clientId?: string;
  tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';
  /** Public JWKS of the client, for private_key_jwt. */
  clientJwks?: { keys: JWK[] };
  /** Put scope claims into the ID token, as Google does (default true); false = userinfo only. */
  claimsInIdToken?: boolean;
}

/** Replaces the ID token the token endpoint returns; receives the genuine one, decoded. */
export type IdTokenTamper = (genuine: { header: Record<string, unknown>; payload: JWTPayload }, keys: SigningKeys) => Promise<string> | string;

interface SigningKeys {
  /** The key the provider currently signs with (private JWK with kid and alg). */
  current: JWK;
  /** Signs `payload` with the provider's current key (what a genuine token looks like). */
  sign(payload: JWTPayload, header?: Record<string, unknown>): Promise<string>;
}

export interface TestOidcProvider {
  issuer: string;
  port: number;
  caPem: string;
  clientId: string;
  clientSecret: string;
  users: TestUser[];
  /** Query parameters of every authorization request received, oldest first. */
  authorizationRequests: URLSearchParams[];
  /** Method and path of every request received ("GET /jwks"), oldest first. */
  requests: string[];
  /** Publishes a new signing key and signs with it from now on (the old key stays published unless dropOld). */
  rotateKeys(options?: { dropOld?: boolean }): Promise<string>;
  /** Kid of the current signing key. */
  currentKid(): string;
  tamperIdToken(fn: IdTokenTamper | undefined): void;
  keys(): SigningKeys;
  revokeRefreshToken(token: string): Promise<void>;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

async function newSigningKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: `k-${randomBytes(6).toString('hex')}`, alg: 'RS256', use: 'sig' };
}

export async function startOidcProvider(opts: StartOidcProviderOptions): Promise<TestOidcProvider> {
  const tls = makeTestTls();
  const users = structuredClone(opts.users ?? DEFAULT_USERS); // tests may change claims
  const clientId = opts.clientId ?? 'authgate-test';
  const clientSecret = randomBytes(24).toString('base64url');
  const cookieKeys = [randomBytes(32).toString('hex')];
  let jwks: JWK[] = [await newSigningKey()];
  let tamper: IdTokenTamper | undefined;

  let handler: ReturnType<Provider['callback']> = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const authorizationRequests: URLSearchParams[] = [];
  const requests: string[] = [];
  const server: Server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    requests.push(`${req.method} ${url.pathname}`);
    if (url.pathname === '/auth') {
      authorizationRequests.push(new URLSearchParams(url.search));
      // Google accepts prompt=select_account and hd; oidc-provider knows neither, so the test
      // IdP records them (for assertions) and drops them before oidc-provider sees them.
      if (url.searchParams.get('prompt') === 'select_account') url.searchParams.delete('prompt');
      url.searchParams.delete('hd');
      url.searchParams.delete('access_type');
      req.url = url.pathname + url.search;
    }
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const issuer = `https://127.0.0.1:${port}`;

  const keys = (): SigningKeys => {
    const current = jwks[0] as JWK;
    return {
      current,
      async sign(payload, header = {}) {
        const key = await importJWK(current, 'RS256');
        return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: current.kid as string, typ: 'JWT', ...header }).sign(key);
      },
    };
  };

  let provider: Provider;
  const build = () => {
    provider = new Provider(issuer, {
      clients: [
        {
          client_id: clientId,
          ...(opts.tokenEndpointAuthMethod === 'private_key_jwt' ? { jwks: opts.clientJwks } : { client_secret: clientSecret }),
          token_endpoint_auth_method: opts.tokenEndpointAuthMethod ?? 'client_secret_basic',
          redirect_uris: opts.redirectUris,
          post_logout_redirect_uris: opts.postLogoutRedirectUris ?? [],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
        },
      ],
      jwks: { keys: jwks },
      cookies: { keys: cookieKeys },
      claims: {
        openid: ['sub'],
        email: ['email', 'email_verified', 'hd'],
        profile: ['given_name', 'family_name', 'groups', 'role'],
      },
      ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 3600, RefreshToken: 86_400, IdToken: 3600 },
      conformIdTokenClaims: opts.claimsInIdToken === false,
      issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(type: string): boolean }) => client.grantTypeAllowed('refresh_token'),
      features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
      async findAccount(_ctx: unknown, sub: string) {
        const user = users.find((u) => u.sub === sub);
        if (!user) return undefined;
        return { accountId: sub, claims: async () => ({ ...user }) };
      },
    });
    provider.use(async (ctx, next) => {
      await next();
      const body = ctx.body as { id_token?: unknown } | undefined;
      if (tamper && ctx.oidc?.route === 'token' && body && typeof body.id_token === 'string') {
        const genuine = { header: decodeProtectedHeader(body.id_token) as Record<string, unknown>, payload: decodeJwt(body.id_token) };
        ctx.body = { ...body, id_token: await tamper(genuine, keys()) };
      }
    });
    handler = provider.callback();
  };
  build();

  return {
    issuer,
    port,
    caPem: tls.caPem,
    clientId,
    clientSecret,
    users,
    authorizationRequests,
    requests,
    async rotateKeys(options = {}) {
      const fresh = await newSigningKey();
      jwks = options.dropOld ? [fresh] : [fresh, ...jwks];
      // Grants, sessions and tokens live in oidc-provider's module-level memory adapter,
      // so a new instance with the new keys carries on where the old one left off.
      build();
      return fresh.kid as string;
    },
    currentKid: () => (jwks[0] as JWK).kid as string,
    tamperIdToken(fn) {
      tamper = fn;
    },
    keys,
    async revokeRefreshToken(token) {
      const found = await provider.RefreshToken.find(token);
      if (!found) throw new Error('refresh token not found at the test provider');
      await found.destroy();
    },
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
    async restart() {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      });
    },
  };
}
