/**
 * Why an OIDC login or refresh failed, as a closed set the server can put into the audit
 * log, and the translation of openid-client's errors into it (keeping the original as cause).
 */
import { AuthgateError } from '../../core/index.ts';

export type OidcFailureReason =
  | 'provider-error' // the issuer redirected back with ?error=…
  | 'state-mismatch'
  | 'nonce-mismatch'
  | 'issuer-mismatch'
  | 'audience-mismatch'
  | 'token-expired'
  | 'token-not-yet-valid'
  | 'bad-signature'
  | 'unsupported-alg' // alg none, HS256 and anything the issuer does not advertise
  | 'unknown-signing-key'
  | 'code-rejected' // the token endpoint refused the code (replayed, expired, wrong PKCE verifier)
  | 'client-rejected' // the token endpoint refused authgate's client credentials: a configuration problem
  | 'invalid-response'
  | 'transaction-invalid' // missing, expired or for another provider
  | 'hd-mismatch'
  | 'domain-not-allowed'
  | 'email-unverified'
  | 'missing-claim'
  | 'subject-changed'
  | 'refresh-refused';

/** A refused OIDC callback or refresh: ERR_OIDC_CALLBACK (400/401) or ERR_OIDC_REFRESH_REFUSED (401). */
export class OidcLoginError extends AuthgateError {
  readonly reason: OidcFailureReason;

  constructor(reason: OidcFailureReason, detail: string, options: { cause?: unknown; refresh?: boolean } = {}) {
    const refresh = options.refresh ?? false;
    super(refresh ? 'ERR_OIDC_REFRESH_REFUSED' : 'ERR_OIDC_CALLBACK', publicMessage(reason, refresh), {
      status: reason === 'client-rejected' ? 502 : STATUS_400.has(reason) && !refresh ? 400 : 401,
      detail: `${reason}: ${detail}`,
      cause: options.cause,
    });
    this.name = 'OidcLoginError';
    this.reason = reason;
  }
}

const STATUS_400 = new Set<OidcFailureReason>(['state-mismatch', 'transaction-invalid', 'invalid-response', 'code-rejected']);

function publicMessage(reason: OidcFailureReason, refresh: boolean): string {
  if (refresh) return 'Your sign-in could not be renewed; please sign in again';
  switch (reason) {
    case 'hd-mismatch':
    case 'domain-not-allowed':
      return 'This account\'s domain is not allowed to sign in here';
    case 'email-unverified':
      return 'This account\'s email address is not verified';
    case 'provider-error':
      return 'The identity provider did not complete the sign-in';
    case 'state-mismatch':
    case 'transaction-invalid':
    case 'code-rejected':
      return 'The sign-in attempt expired or was already used; please start again';
    default:
      return 'The identity provider\'s answer could not be verified';
  }
}

interface ErrorShape {
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  error?: unknown;
  error_description?: unknown;
  name?: unknown;
}

/** The innermost error-like object (openid-client wraps oauth4webapi's errors). */
function chain(error: unknown): ErrorShape[] {
  const out: ErrorShape[] = [];
  let current: unknown = error;
  while (current && typeof current === 'object' && out.length < 5) {
    out.push(current as ErrorShape);
    current = (current as ErrorShape).cause;
  }
  return out;
}

/** Library error -> reason, or undefined when it is not about the response (network, timeout). */
export function reasonFor(error: unknown): { reason: OidcFailureReason; detail: string } | undefined {
  const links = chain(error);
  const first = links[0];
  const codes = links.map((l) => l.code).filter((c): c is string => typeof c === 'string');
  const messages = links.map((l) => l.message).filter((m): m is string => typeof m === 'string');
  const detail = messages.join(' <- ') || String(error);
  const claim = links.map((l) => (l as { claim?: unknown }).claim).find((c) => typeof c === 'string');
  const text = messages.join(' ');

  if (first?.name === 'AuthorizationResponseError') {
    const params = first.cause instanceof URLSearchParams ? first.cause : undefined;
    return { reason: 'provider-error', detail: `error=${params?.get('error')} ${params?.get('error_description') ?? ''}`.trim() };
  }
  if (first?.name === 'WWWAuthenticateChallengeError' || (first?.name === 'ResponseBodyError' && first.error === 'invalid_client')) {
    const challenge = first.name === 'ResponseBodyError' ? first.error : JSON.stringify(first.cause);
    return { reason: 'client-rejected', detail: `token endpoint refused the client credentials: ${challenge}` };
  }
  if (first?.name === 'ResponseBodyError') {
    return { reason: 'code-rejected', detail: `token endpoint: ${String(first.error)} ${String(first.error_description ?? '')}`.trim() };
  }
  if (/"state"/.test(text)) return { reason: 'state-mismatch', detail };
  if (/"iss" \(issuer\) response parameter/.test(text)) return { reason: 'issuer-mismatch', detail };
  if (/"nonce"/.test(text)) return { reason: 'nonce-mismatch', detail };
  if (codes.includes('OAUTH_JWT_CLAIM_COMPARISON_FAILED')) {
    if (claim === 'iss') return { reason: 'issuer-mismatch', detail };
    if (claim === 'aud' || claim === 'azp') return { reason: 'audience-mismatch', detail };
    return { reason: 'invalid-response', detail };
  }
  if (codes.includes('OAUTH_JWT_TIMESTAMP_CHECK_FAILED')) {
    return { reason: claim === 'nbf' ? 'token-not-yet-valid' : 'token-expired', detail };
  }
  if (codes.includes('OAUTH_KEY_SELECTION_FAILED')) return { reason: 'unknown-signing-key', detail };
  if (/signature verification failed/.test(text)) return { reason: 'bad-signature', detail };
  if (/"alg"|unsupported JWS algorithm/.test(text)) return { reason: 'unsupported-alg', detail };
  if (/claim missing/.test(text)) return { reason: 'missing-claim', detail };
  if (codes.some((c) => /^OAUTH_(INVALID_RESPONSE|PARSE_ERROR|RESPONSE_IS_NOT|UNSUPPORTED)/.test(c))) {
    return { reason: 'invalid-response', detail };
  }
  return undefined;
}

/** The issuer could not be reached or answered nonsense at the HTTP level. */
export function unavailable(issuer: string, error: unknown): AuthgateError {
  const detail = chain(error)
    .map((l) => (typeof l.message === 'string' ? l.message : ''))
    .filter(Boolean)
    .join(' <- ');
  return new AuthgateError('ERR_OIDC_UNAVAILABLE', 'The identity provider is not reachable right now; try again shortly', {
    status: 503,
    detail: `${issuer}: ${detail || String(error)}`,
    cause: error,
  });
}
