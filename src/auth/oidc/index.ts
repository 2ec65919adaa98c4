/** Public surface of the OIDC provider module (Google and any OpenID Connect issuer). */
export { createOidcProvider } from './provider.ts';
export type { OidcProvider, OidcProviderDeps } from './provider.ts';
export type { OidcTransaction } from './transaction.ts';
export { TRANSACTION_TTL_SECONDS } from './transaction.ts';
export { OidcLoginError } from './errors.ts';
