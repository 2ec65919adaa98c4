/** The network policy: deny CIDRs first, then allow CIDRs; anything else is refused. */
import { compileCidrs, type CidrList } from './cidr.ts';

export interface NetworkPolicy {
  trusted: CidrList;
  /** Undefined when allowed, else the reason code for the audit log. */
  refuse(ip: string): 'ip-denied' | 'ip-not-allowed' | undefined;
}

export function compileNetworkPolicy(network: { trustedProxies: string[]; allow: string[]; deny: string[] }): NetworkPolicy {
  const deny = compileCidrs(network.deny);
  const allow = compileCidrs(network.allow);
  return {
    trusted: compileCidrs(network.trustedProxies),
    refuse(ip) {
      if (deny.contains(ip)) return 'ip-denied';
      if (!allow.contains(ip)) return 'ip-not-allowed';
      return undefined;
    },
  };
}
