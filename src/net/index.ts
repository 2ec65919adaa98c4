export { parseAddress } from './cidr.ts';
export { resolveClientIp, type ClientAddress } from './client-ip.ts';
export { compileNetworkPolicy, type NetworkPolicy } from './policy.ts';
