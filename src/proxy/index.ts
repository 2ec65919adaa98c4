export { createUpstream, hasBody, type Upstream } from './forward.ts';
export { closeWhenIdle, forwardUpgrade, type UpgradeTarget } from './upgrade.ts';
export { outgoingHeaders, identityStripper, HeaderNames, canonicalHeaderName, isForwardingHeader, type IdentityStripper } from './headers.ts';
export { websocketOriginPolicy, type OriginPolicy } from './origin.ts';
export { ownCookieMatcher, type ResponsePolicy } from './responses.ts';
export { acceptedHosts, hostEntryProblem, type AcceptedHosts } from './hosts.ts';
