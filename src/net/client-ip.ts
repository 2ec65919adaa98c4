/** The client's address: the socket peer, or X-Forwarded-For walked right to left through trusted proxies. */
import type { CidrList } from './cidr.ts';
import { normaliseAddress } from './cidr.ts';

export interface ClientAddress {
  /** The address policy is applied to. */
  ip: string;
  /** The addresses of trusted proxies the request came through (closest last). */
  via: string[];
  /** Set when X-Forwarded-For held something that is not an address. */
  malformed?: string;
}

const MAX_HOPS = 20;

/**
 * Walks `X-Forwarded-For` from the right: while the current hop is a trusted proxy, the entry
 * to its left is believed. The leftmost entry is whatever the client wrote and is used only
 * when every hop after it is trusted.
 */
export function resolveClientIp(peer: string | undefined, forwardedFor: string | string[] | undefined, trusted: CidrList): ClientAddress {
  const peerIp = normaliseAddress(peer ?? '') ?? peer ?? '0.0.0.0';
  if (trusted.size === 0 || forwardedFor === undefined || !trusted.contains(peerIp)) return { ip: peerIp, via: [] };
  const entries = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',');
  const via: string[] = [];
  let current = peerIp;
  for (let i = entries.length - 1, hops = 0; i >= 0 && hops < MAX_HOPS; i--, hops++) {
    const raw = (entries[i] ?? '').trim();
    if (raw === '') continue;
    const next = normaliseAddress(stripPort(raw));
    if (!next) return { ip: current, via, malformed: raw.slice(0, 64) };
    via.push(current);
    current = next;
    if (!trusted.contains(current)) break;
  }
  return { ip: current, via };
}

/** `1.2.3.4:5678` and `[::1]:443` -> the address alone. */
function stripPort(entry: string): string {
  if (entry.startsWith('[')) return entry.slice(1, entry.indexOf(']') > 0 ? entry.indexOf(']') : undefined);
  const colons = entry.split(':').length - 1;
  return colons === 1 ? entry.slice(0, entry.indexOf(':')) : entry;
}
