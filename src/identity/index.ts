export { headerPlan, identityHeaders, headerSafe, PROFILE_HEADERS, ALWAYS_STRIPPED, STRIPPED_PREFIXES, THIRD_PARTY_PREFIXES, type HeaderPlan, type UpstreamProfile, type IdentityField } from './headers.ts';
export { keySetFromPem, generatedKeySet, jwks, type KeySet, type SigningKey } from './keys.ts';
export { assertionSigner, type AssertionSigner, type AssertionOptions } from './assertion.ts';
