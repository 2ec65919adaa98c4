/**
 * One configured OIDC provider: builds the authorization request, completes the callback,
 * refreshes, and turns claims into a Profile. All HTTP goes through client.ts.
 */
import { readFileSync } from 'node:fs';
import { usesGooglePreset, type OidcProviderConfig } from '../../config/schema/oidc.ts';
import { providerId } from '../../config/schema/providers.ts';
import { isAuthgateError, type AuthgateError } from '../../core/index.ts';
import type { Profile } from '../../core/index.ts';
import { checkIssuedAt, mergeDirectoryProfile, profileFromClaims, type Claims, type ClaimsPolicy } from './claims.ts';
import * as client from './client.ts';
import { clientAuth } from './client-auth.ts';
import { OidcLoginError, reasonFor, unavailable } from './errors.ts';
import { transactionProblem, type OidcTransaction } from './transaction.ts';

interface OidcLogger {
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
}

export interface OidcProviderDeps {
  /** publicUrl + /__authgate__/callback/<id>; also registered at the issuer. */
  redirectUri: string;
  /** Resolves clientSecret / clientSecretFile / clientSecretEnv (the config loader's readSecret). */
  readSecret: (name: 'clientSecret') => string | undefined;
  /** Reads caFile and privateKeyFile (paths as written in the config). Default: readFileSync. */
  readFile?: (path: string) => string;
  /** groupsFrom: ldap: the LDAP provider's service-account lookup by email. */
  lookupByEmail?: (email: string) => Promise<Profile | undefined>;
  logger?: OidcLogger;
  /** Milliseconds since the epoch. */
  clock?: () => number;
}

interface OidcTokens {
  refreshToken?: string;
  idToken?: string;
  /** Access token expiry, seconds since the epoch. */
  expiresAt?: number;
}

export interface OidcLoginResult {
  profile: Profile;
  tokens: OidcTokens;
}

/** Seconds of clock difference tolerated with the issuer (openid-client's default too). */
const CLOCK_TOLERANCE_SECONDS = 30;

export function createOidcProvider(config: OidcProviderConfig, deps: OidcProviderDeps) {
  const id = providerId(config);
  const clock = deps.clock ?? Date.now;
  const nowSeconds = () => Math.floor(clock() / 1000);
  const google = usesGooglePreset(config);
  const readFile = deps.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  if (config.groupsFrom === 'ldap' && !deps.lookupByEmail) {
    throw new TypeError(`OIDC provider ${id}: groupsFrom: ldap needs deps.lookupByEmail`);
  }
  if (config.allowInsecureRequests) {
    deps.logger?.warn({ provider: id, issuer: config.issuer }, 'allowInsecureRequests is on: requests to the issuer may use plain HTTP');
  }

  const oidcClient = client.createOidcClient({
    issuer: config.issuer,
    clientId: config.clientId,
    clientAuth: clientAuth(config, id, deps.readSecret, readFile),
    caPem: config.caFile ? readFile(config.caFile) : undefined,
    timeoutMs: config.httpTimeout,
    retryIntervalMs: config.discoveryRetryInterval,
    allowInsecureRequests: config.allowInsecureRequests,
    clock,
  });
  // Discover in the background: a provider that is down must not delay or stop start-up.
  oidcClient.configuration().catch((error: unknown) => {
    deps.logger?.warn({ provider: id, err: isAuthgateError(error) ? error.detail : String(error) }, 'OIDC discovery failed; will retry on demand');
  });

  const policy: ClaimsPolicy = {
    providerId: id,
    google,
    allowedDomains: config.allowedDomains,
    usernameClaim: config.usernameClaim,
    usernameLocalPart: config.usernameLocalPart,
    requireVerifiedEmail: config.requireVerifiedEmail,
    groupsClaim: config.groupsClaim,
    roleClaim: config.roleClaim,
    emailLookup: config.groupsFrom === 'ldap',
  };

  /** Library errors -> OidcLoginError (the answer is wrong) or ERR_OIDC_UNAVAILABLE (no answer). */
  function translate(error: unknown, refresh = false): AuthgateError {
    if (isAuthgateError(error)) return error;
    const known = reasonFor(error);
    if (!known) return unavailable(config.issuer, error);
    return new OidcLoginError(refresh && known.reason === 'code-rejected' ? 'refresh-refused' : known.reason, known.detail, { cause: error, refresh });
  }

  /** Validated ID token claims (+ userinfo) -> Profile, with groupsFrom merged in. */
  async function toProfile(result: client.TokenResult, subject: string | undefined, refresh: boolean): Promise<OidcLoginResult> {
    const idClaims: Claims = result.claims ?? {};
    const timing = checkIssuedAt(idClaims, nowSeconds(), CLOCK_TOLERANCE_SECONDS);
    if (timing && !timing.ok) throw new OidcLoginError(timing.reason, timing.detail, { refresh });
    const sub = typeof idClaims['sub'] === 'string' ? idClaims['sub'] : subject;
    if (sub === undefined) throw new OidcLoginError('missing-claim', 'no ID token and no known subject', { refresh });
    if (subject !== undefined && sub !== subject) throw new OidcLoginError('subject-changed', `sub ${sub} is not ${subject}`, { refresh });
    let userinfo: Claims | undefined;
    try {
      userinfo = await oidcClient.userinfo(result.accessToken, sub);
    } catch (error) {
      throw translate(error, refresh);
    }
    // Signed ID token claims win over userinfo; userinfo fills what the ID token leaves out.
    const outcome = profileFromClaims({ ...userinfo, ...idClaims }, policy);
    if (!outcome.ok) throw new OidcLoginError(outcome.reason, outcome.detail, { refresh });
    let profile = outcome.profile;
    if (config.groupsFrom === 'ldap' && deps.lookupByEmail && profile.email) profile = mergeDirectoryProfile(profile, await deps.lookupByEmail(profile.email));
    const tokens: OidcTokens = {};
    if (result.refreshToken) tokens.refreshToken = result.refreshToken;
    if (result.idToken) tokens.idToken = result.idToken;
    if (result.expiresIn !== undefined) tokens.expiresAt = nowSeconds() + result.expiresIn;
    return { profile, tokens };
  }

  const refreshing = new Map<string, Promise<OidcLoginResult>>();

  return {
    kind: 'oidc' as const,
    id,
    name: config.name,
    issuer: config.issuer,
    logoutAtProvider: config.logoutAtProvider,

    async beginLogin(returnTo: string): Promise<{ authorizationUrl: string; transaction: OidcTransaction }> {
      const transaction: OidcTransaction = {
        v: 1,
        provider: id,
        state: client.randomState(),
        nonce: client.randomNonce(),
        codeVerifier: client.randomCodeVerifier(),
        returnTo,
        createdAt: nowSeconds(),
      };
      const parameters: Record<string, string> = {
        response_type: 'code',
        redirect_uri: deps.redirectUri,
        scope: config.scopes.join(' '),
        state: transaction.state,
        nonce: transaction.nonce,
        code_challenge: await client.codeChallenge(transaction.codeVerifier),
        code_challenge_method: 'S256',
      };
      const prompt = config.prompt ?? (google ? 'select_account' : undefined);
      if (prompt) parameters['prompt'] = prompt;
      if (google && config.allowedDomains.length > 0) parameters['hd'] = config.allowedDomains.length === 1 ? (config.allowedDomains[0] as string) : '*';
      if (google && config.membershipUpdateInterval !== undefined) parameters['access_type'] = 'offline';
      const url = await oidcClient.authorizationUrl(parameters);
      return { authorizationUrl: url.href, transaction };
    },

    async completeLogin(callbackUrl: URL, transaction: OidcTransaction): Promise<OidcLoginResult> {
      const problem = transactionProblem(transaction, id, nowSeconds());
      if (problem) throw new OidcLoginError('transaction-invalid', problem);
      // The redirect_uri sent to the token endpoint is ours, whatever Host the request came in on.
      const url = new URL(deps.redirectUri);
      url.search = callbackUrl.search;
      let result: client.TokenResult;
      try {
        result = await oidcClient.codeGrant(url, transaction);
      } catch (error) {
        throw translate(error);
      }
      return toProfile(result, undefined, false);
    },

    /** New claims and groups; refused -> ERR_OIDC_REFRESH_REFUSED (end the session). One at a time per token. */
    refresh(refreshToken: string, expectedSubject?: string): Promise<OidcLoginResult> {
      const running = refreshing.get(refreshToken);
      if (running) return running;
      const work = (async () => {
        let result: client.TokenResult;
        try {
          result = await oidcClient.refreshGrant(refreshToken);
        } catch (error) {
          throw translate(error, true);
        }
        const refreshed = await toProfile(result, expectedSubject, true);
        refreshed.tokens.refreshToken ??= refreshToken;
        return refreshed;
      })().finally(() => refreshing.delete(refreshToken));
      refreshing.set(refreshToken, work);
      return work;
    },

    /** Where to send the browser to log out at the issuer, if configured and supported. */
    endSessionUrl(idToken: string | undefined, postLogoutRedirectUri: string): string | undefined {
      if (!config.logoutAtProvider) return undefined;
      const parameters: Record<string, string> = { post_logout_redirect_uri: postLogoutRedirectUri };
      if (idToken) parameters['id_token_hint'] = idToken;
      return oidcClient.endSessionUrl(parameters);
    },

    async health(): Promise<{ ok: boolean; detail?: string }> {
      try {
        await oidcClient.configuration();
        return { ok: true };
      } catch (error) {
        return { ok: false, detail: isAuthgateError(error) ? (error.detail ?? error.message) : String(error) };
      }
    },

    close: (): Promise<void> => oidcClient.close(),
  };
}

export type OidcProvider = ReturnType<typeof createOidcProvider>;
