/**
 * The only file that talks to openid-client (and through it, to the issuer). Discovery is
 * cached and, when the issuer was down, retried lazily with back-off. ID token signatures
 * are checked against the issuer's JWKS (openid-client's non-repudiation checks); when a
 * token is signed with a key newer than the cached JWKS, the token response already
 * received is re-validated once against a freshly fetched JWKS.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { rootCertificates } from 'node:tls';
import * as oidc from 'openid-client';
import { Agent, fetch as undiciFetch } from 'undici';
import type { AuthgateError } from '../../core/index.ts';
import { unavailable } from './errors.ts';

export interface OidcClientOptions {
  issuer: string;
  clientId: string;
  clientAuth: oidc.ClientAuth;
  /** Extra trusted CA certificates (PEM), added to the system roots. */
  caPem?: string | undefined;
  timeoutMs: number;
  retryIntervalMs: number;
  allowInsecureRequests: boolean;
  /** Milliseconds since the epoch. */
  clock: () => number;
}

export interface TokenResult {
  accessToken: string;
  idToken?: string | undefined;
  refreshToken?: string | undefined;
  /** Validated ID token claims (signature, iss, aud, exp, nonce checked by openid-client). */
  claims?: Record<string, unknown> | undefined;
  expiresIn?: number | undefined;
}

interface Captured {
  url: string;
  status: number;
  headers: [string, string][];
  body: string;
}
interface CallContext {
  captured?: Captured;
  replay?: Captured;
}

/** At most one forced JWKS refresh this often (only the issuer's own token responses trigger one). */
const KEY_REFRESH_COOLDOWN_MS = 2_000;

export function createOidcClient(options: OidcClientOptions) {
  const { issuer, clock } = options;
  const agent = new Agent({
    connect: options.caPem ? { ca: [...rootCertificates, options.caPem] } : {},
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  const calls = new AsyncLocalStorage<CallContext>();

  /** Every request to the issuer: our CA, and capture/replay of token responses. */
  const customFetch: oidc.CustomFetch = async (url, init) => {
    const call = calls.getStore();
    const isToken = init.body instanceof URLSearchParams && init.body.has('grant_type');
    if (isToken && call?.replay && call.replay.url === url) {
      const { status, headers, body } = call.replay;
      call.replay = undefined;
      return new Response(body, { status, headers });
    }
    const response = (await undiciFetch(url, { ...init, dispatcher: agent } as never)) as unknown as Response;
    if (isToken && call) {
      const body = await response.text();
      call.captured = { url, status: response.status, headers: [...response.headers], body };
      return new Response(body, { status: response.status, headers: call.captured.headers });
    }
    return response;
  };

  const timeout = Math.max(1, Math.ceil(options.timeoutMs / 1000));
  const prepare = (config: oidc.Configuration): oidc.Configuration => {
    config[oidc.customFetch] = customFetch;
    config.timeout = timeout;
    if (options.allowInsecureRequests) oidc.allowInsecureRequests(config);
    oidc.enableNonRepudiationChecks(config);
    return config;
  };

  let current: oidc.Configuration | undefined;
  let discovering: Promise<oidc.Configuration> | undefined;
  let failures = 0;
  let retryAt = 0;
  let lastError: AuthgateError | undefined;
  let lastKeyRefresh = -Infinity;

  async function discover(): Promise<oidc.Configuration> {
    const config = await oidc.discovery(new URL(issuer), options.clientId, undefined, options.clientAuth, {
      [oidc.customFetch]: customFetch,
      timeout,
      execute: options.allowInsecureRequests ? [oidc.allowInsecureRequests] : [],
    });
    return prepare(config);
  }

  /** The discovered configuration; throws ERR_OIDC_UNAVAILABLE while the issuer is unreachable. */
  function configuration(): Promise<oidc.Configuration> {
    if (current) return Promise.resolve(current);
    if (discovering) return discovering;
    if (lastError && clock() < retryAt) return Promise.reject(lastError);
    discovering = discover()
      .then((config) => {
        current = config;
        failures = 0;
        lastError = undefined;
        return config;
      })
      .catch((error: unknown) => {
        failures += 1;
        retryAt = clock() + Math.min(options.retryIntervalMs * 2 ** (failures - 1), options.retryIntervalMs * 4);
        lastError = unavailable(issuer, error);
        throw lastError;
      })
      .finally(() => {
        discovering = undefined;
      });
    return discovering;
  }

  /** Same metadata, empty JWKS cache (openid-client caches JWKS per metadata object). */
  function withFreshKeys(): oidc.Configuration | undefined {
    if (!current || clock() - lastKeyRefresh < KEY_REFRESH_COOLDOWN_MS) return undefined;
    lastKeyRefresh = clock();
    current = prepare(new oidc.Configuration(current.serverMetadata(), options.clientId, undefined, options.clientAuth));
    return current;
  }

  /** Runs a grant; on an unknown signing key, re-validates the same token response with a fresh JWKS. */
  async function grant(run: (config: oidc.Configuration) => Promise<oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers>): Promise<TokenResult> {
    const config = await configuration();
    const call: CallContext = {};
    let response;
    try {
      response = await calls.run(call, () => run(config));
    } catch (error) {
      const fresh = isKeySelection(error) && call.captured ? withFreshKeys() : undefined;
      if (!fresh || !call.captured) throw error;
      response = await calls.run({ replay: call.captured }, () => run(fresh));
    }
    return {
      accessToken: response.access_token,
      idToken: response.id_token,
      refreshToken: response.refresh_token,
      claims: response.claims() as Record<string, unknown> | undefined,
      expiresIn: response.expiresIn(),
    };
  }

  return {
    issuer,
    configuration,
    /** The configuration if discovery has succeeded, without waiting. */
    loaded: (): oidc.Configuration | undefined => current,
    lastError: (): AuthgateError | undefined => lastError,
    async authorizationUrl(parameters: Record<string, string>): Promise<URL> {
      return oidc.buildAuthorizationUrl(await configuration(), parameters);
    },
    codeGrant(callbackUrl: URL, checks: { state: string; nonce: string; codeVerifier: string }): Promise<TokenResult> {
      return grant((config) =>
        oidc.authorizationCodeGrant(config, callbackUrl, {
          expectedState: checks.state,
          expectedNonce: checks.nonce,
          pkceCodeVerifier: checks.codeVerifier,
          idTokenExpected: true,
        }),
      );
    },
    refreshGrant(refreshToken: string): Promise<TokenResult> {
      return grant((config) => oidc.refreshTokenGrant(config, refreshToken));
    },
    async userinfo(accessToken: string, subject: string): Promise<Record<string, unknown> | undefined> {
      const config = await configuration();
      if (!config.serverMetadata().userinfo_endpoint) return undefined;
      return (await oidc.fetchUserInfo(config, accessToken, subject)) as Record<string, unknown>;
    },
    endSessionUrl(parameters: Record<string, string>): string | undefined {
      if (!current?.serverMetadata().end_session_endpoint) return undefined;
      return oidc.buildEndSessionUrl(current, parameters).href;
    },
    close: (): Promise<void> => agent.close(),
  };
}

function isKeySelection(error: unknown): boolean {
  for (let e: unknown = error, i = 0; e && typeof e === 'object' && i < 5; e = (e as { cause?: unknown }).cause, i++) {
    if ((e as { code?: unknown }).code === 'OAUTH_KEY_SELECTION_FAILED') return true;
  }
  return false;
}

export const randomState = oidc.randomState;
export const randomNonce = oidc.randomNonce;
export const randomCodeVerifier = oidc.randomPKCECodeVerifier;
export const codeChallenge = oidc.calculatePKCECodeChallenge;
export const { ClientSecretBasic, ClientSecretPost, PrivateKeyJwt } = oidc;
