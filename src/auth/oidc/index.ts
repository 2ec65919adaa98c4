/** Public surface of the OIDC provider module (Google and any OpenID Connect issuer). */
export { createOidcProvider } from './provider.ts';
export type { OidcProvider, OidcProviderDeps, OidcLoginResult, OidcTokens, OidcLogger } from './provider.ts';
export type { OidcTransaction } from './transaction.ts';
export { TRANSACTION_TTL_SECONDS } from './transaction.ts';
export { OidcLoginError, OIDC_FAILURE_REASONS } from './errors.ts';
export type { OidcFailureReason } from './errors.ts';
export { profileFromClaims } from './claims.ts';
