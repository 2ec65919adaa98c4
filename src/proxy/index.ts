export { createUpstream, type Upstream, type UpstreamOptions } from './forward.ts';
export { closeWhenIdle, forwardUpgrade, pipeTogether, type UpgradeTarget, type UpgradeResult } from './upgrade.ts';
export { outgoingHeaders, responseHeaders, identityStripper, HeaderNames, canonicalHeaderName, connectionTokens, isForwardingHeader, HOP_BY_HOP, type IdentityStripper, type StripperOptions } from './headers.ts';
export { websocketOriginPolicy, type OriginPolicy } from './origin.ts';
export { cookieNameOf, ownCookieMatcher, guardedResponseHeaders, guardedUpgradeHeaders, type ResponsePolicy, type ResponseKind } from './responses.ts';
export { acceptedHosts, hostEntryProblem, type AcceptedHosts } from './hosts.ts';
