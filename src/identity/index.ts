export { headerPlan, identityHeaders, ALWAYS_STRIPPED, STRIPPED_PREFIXES, THIRD_PARTY_PREFIXES, type HeaderPlan } from './headers.ts';
export { keySetFromPem, generatedKeySet, jwks, type KeySet } from './keys.ts';
export { assertionSigner, type AssertionSigner } from './assertion.ts';
