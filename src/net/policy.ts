/**
 * The network policy: deny CIDRs first, then allow CIDRs; anything else is refused. A client
 * whose IPv6 address embeds an IPv4 address (NAT64, 6to4) is denied if either form is denied and
 * allowed if either form is allowed; deny is checked first, so an embedding never escapes a deny.
 * Trusted proxies match their exact address only: trust is never extended through a translation.
 */
import type { RefusalCode } from '../core/index.ts';
import { compileCidrs, type CidrList } from './cidr.ts';

export interface NetworkPolicy {
  trusted: CidrList;
  /** Undefined when allowed, else the refusal code. */
  refuse(ip: string): Extract<RefusalCode, 'ip-denied' | 'ip-not-allowed'> | undefined;
}

export function compileNetworkPolicy(network: { trustedProxies: string[]; allow: string[]; deny: string[] }): NetworkPolicy {
  const deny = compileCidrs(network.deny);
  const allow = compileCidrs(network.allow);
  return {
    trusted: compileCidrs(network.trustedProxies, { embeddedIpv4: false }),
    refuse(ip) {
      if (deny.contains(ip)) return 'ip-denied';
      if (!allow.contains(ip)) return 'ip-not-allowed';
      return undefined;
    },
  };
}
