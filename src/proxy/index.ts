export { createUpstream, type Upstream, type UpstreamOptions } from './forward.ts';
export { closeWhenIdle, forwardUpgrade, pipeTogether, type UpgradeTarget, type UpgradeResult } from './upgrade.ts';
export { outgoingHeaders, responseHeaders, identityStripper, canonicalHeaderName, connectionTokens, HOP_BY_HOP, type IdentityStripper } from './headers.ts';
export { websocketOriginPolicy, type OriginPolicy } from './origin.ts';
