/**
 * CIDR lists compiled once. IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) are IPv4 addresses.
 * IPv6 addresses that embed an IPv4 address by translation, NAT64 (`64:ff9b::a.b.c.d`, RFC 6052)
 * and 6to4 (`2002:AABB:CCDD::/48`, RFC 3056), match a list if either the IPv6 address or the
 * embedded IPv4 address is in it (unless the list is compiled with `embeddedIpv4: false`).
 */
import ipaddr from 'ipaddr.js';

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

export interface CidrList {
  /** Whether the address (as Node reports it, possibly `::ffff:1.2.3.4`) is in the list. */
  contains(address: string): boolean;
  readonly size: number;
}

/** Parses an address and turns IPv4-mapped IPv6 into IPv4; undefined for garbage. */
export function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const bare = text.trim().replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  // Only dotted-quad IPv4: ipaddr.js would also read `10` as 0.0.0.10 and `012.1.2.3` as octal.
  if (!ipaddr.IPv4.isValidFourPartDecimal(bare) && !ipaddr.IPv6.isValid(bare)) return undefined;
  const parsed = ipaddr.parse(bare);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) return (parsed as ipaddr.IPv6).toIPv4Address();
  return parsed;
}

/** The canonical text of an address (`::ffff:10.0.0.1` -> `10.0.0.1`), or undefined. */
export function normaliseAddress(text: string): string | undefined {
  return parseAddress(text)?.toString();
}

/**
 * The IPv4 address an IPv6 address carries by translation: NAT64's well-known prefix
 * `64:ff9b::/96` (last 32 bits) or 6to4's `2002::/16` (the 32 bits after the prefix).
 */
export function embeddedIpv4(address: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | undefined {
  if (address.kind() !== 'ipv6') return undefined;
  const p = (address as ipaddr.IPv6).parts;
  let high: number | undefined;
  let low: number | undefined;
  if (p[0] === 0x64 && p[1] === 0xff9b && p[2] === 0 && p[3] === 0 && p[4] === 0 && p[5] === 0) [high, low] = [p[6], p[7]];
  else if (p[0] === 0x2002) [high, low] = [p[1], p[2]];
  if (high === undefined || low === undefined) return undefined;
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

function parseRange(text: string): Range {
  if (!text.includes('/')) {
    const address = parseAddress(text);
    if (!address) throw new TypeError(`not an address: ${text}`);
    return [address, address.kind() === 'ipv4' ? 32 : 128];
  }
  if (!ipaddr.IPv4.isValidCIDRFourPartDecimal(text) && !ipaddr.IPv6.isValidCIDR(text)) throw new TypeError(`not a CIDR: ${text}`);
  const [address, bits] = ipaddr.parseCIDR(text);
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
    return [(address as ipaddr.IPv6).toIPv4Address(), bits - 96];
  }
  return [address, bits];
}

/** Compiles CIDR strings (already validated by the config schema; garbage throws TypeError). */
export function compileCidrs(cidrs: readonly string[], options: { embeddedIpv4?: boolean } = {}): CidrList {
  const matchEmbedded = options.embeddedIpv4 ?? true;
  const v4: Range[] = [];
  const v6: Range[] = [];
  for (const text of cidrs) {
    const range = parseRange(text);
    (range[0].kind() === 'ipv4' ? v4 : v6).push(range);
  }
  const cache = new Map<string, boolean>();
  return {
    size: v4.length + v6.length,
    contains(text: string): boolean {
      const cached = cache.get(text);
      if (cached !== undefined) return cached;
      const address = parseAddress(text);
      let found = false;
      if (address) {
        const ranges = address.kind() === 'ipv4' ? v4 : v6;
        found = ranges.some(([base, bits]) => address.match(base as never, bits));
        const embedded = !found && matchEmbedded && v4.length > 0 ? embeddedIpv4(address) : undefined;
        if (embedded) found = v4.some(([base, bits]) => embedded.match(base as ipaddr.IPv4, bits));
      }
      if (cache.size > 10_000) cache.clear();
      cache.set(text, found);
      return found;
    },
  };
}
