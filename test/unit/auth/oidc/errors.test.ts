/** OIDC login failures: openid-client errors to reasons, statuses and messages (src/auth/oidc/errors.ts). */
import t from 'tap';
import { OidcLoginError, reasonFor } from '../../../../src/auth/oidc/errors.ts';

t.test('reasonFor maps openid-client errors by code and claim', async (t) => {
  const wrap = (message: string, code: string, cause?: unknown) => Object.assign(new Error('outer', { cause: Object.assign(new Error(message, { cause }), { code }) }), { code });
  const cases: { name: string; error: unknown; reason: string | undefined }[] = [
    { name: 'state', error: wrap('unexpected "state" response parameter value', 'OAUTH_INVALID_RESPONSE'), reason: 'state-mismatch' },
    { name: 'iss parameter', error: wrap('unexpected "iss" (issuer) response parameter value', 'OAUTH_INVALID_RESPONSE'), reason: 'issuer-mismatch' },
    { name: 'nonce', error: wrap('unexpected ID Token "nonce" claim value', 'OAUTH_JWT_CLAIM_COMPARISON_FAILED', { claim: 'nonce' }), reason: 'nonce-mismatch' },
    { name: 'aud', error: wrap('unexpected JWT "aud" (audience) claim value', 'OAUTH_JWT_CLAIM_COMPARISON_FAILED', { claim: 'aud' }), reason: 'audience-mismatch' },
    { name: 'azp', error: wrap('unexpected ID Token "azp" claim value', 'OAUTH_JWT_CLAIM_COMPARISON_FAILED', { claim: 'azp' }), reason: 'audience-mismatch' },
    { name: 'iss claim', error: wrap('unexpected JWT "iss" (issuer) claim value', 'OAUTH_JWT_CLAIM_COMPARISON_FAILED', { claim: 'iss' }), reason: 'issuer-mismatch' },
    { name: 'exp', error: wrap('expiration is past', 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED', { claim: 'exp' }), reason: 'token-expired' },
    { name: 'nbf', error: wrap('nbf', 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED', { claim: 'nbf' }), reason: 'token-not-yet-valid' },
    { name: 'key selection', error: wrap('no applicable keys found', 'OAUTH_KEY_SELECTION_FAILED'), reason: 'unknown-signing-key' },
    { name: 'signature', error: wrap('JWT signature verification failed', 'OAUTH_INVALID_RESPONSE'), reason: 'bad-signature' },
    { name: 'alg', error: wrap('unexpected JWT "alg" header parameter', 'OAUTH_INVALID_RESPONSE'), reason: 'unsupported-alg' },
    { name: 'token endpoint error', error: Object.assign(new Error('server responded with an error'), { name: 'ResponseBodyError', error: 'invalid_grant' }), reason: 'code-rejected' },
    { name: 'network', error: new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED') }), reason: undefined },
    { name: 'timeout', error: Object.assign(new Error('operation timed out'), { code: 'OAUTH_TIMEOUT' }), reason: undefined },
  ];
  for (const c of cases) t.equal(reasonFor(c.error)?.reason, c.reason, c.name);
});

t.test('OidcLoginError statuses and messages', async (t) => {
  const state = new OidcLoginError('state-mismatch', 'x');
  t.equal(state.status, 400);
  t.equal(state.code, 'ERR_OIDC_CALLBACK');
  t.equal(state.detail, 'state-mismatch: x');
  const hd = new OidcLoginError('hd-mismatch', 'hd "evil.com"');
  t.equal(hd.status, 401);
  t.equal(hd.publicMessage, "This account's domain is not allowed to sign in here");
  t.notMatch(hd.publicMessage, /evil/, 'claims stay out of the public message');
  const refresh = new OidcLoginError('refresh-refused', 'invalid_grant', { refresh: true });
  t.equal(refresh.code, 'ERR_OIDC_REFRESH_REFUSED');
  t.equal(refresh.status, 401);
});
