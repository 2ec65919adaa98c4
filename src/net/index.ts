export { compileCidrs, normaliseAddress, parseAddress, type CidrList } from './cidr.ts';
export { resolveClientIp, type ClientAddress } from './client-ip.ts';
export { compileNetworkPolicy, type NetworkPolicy } from './policy.ts';
