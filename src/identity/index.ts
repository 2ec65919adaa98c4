export { headerPlan, identityHeaders, isWorkbenchBackground, ALWAYS_STRIPPED, STRIPPED_PREFIXES, THIRD_PARTY_PREFIXES, WORKBENCH_REFRESH_HEADER, type HeaderPlan } from './headers.ts';
export { keySetFromPem, generatedKeySet, jwks, type KeySet } from './keys.ts';
export { assertionSigner, type AssertionSigner } from './assertion.ts';
