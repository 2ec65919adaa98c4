/** Pure header handling for the forwarding stage: hop-by-hop removal and identity stripping. */

/** Headers that belong to one connection and are never forwarded (RFC 9110 §7.6.1). */
export const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade',
  'proxy-authenticate', 'proxy-authorization', 'http2-settings',
]);

/** `X_Auth-User ` -> `x-auth-user`: how two spellings of one header are compared. */
export function canonicalHeaderName(name: string): string {
  return name.trim().toLowerCase().replace(/_/g, '-');
}

/**
 * Decides which incoming headers must never reach the upstream because authgate sets them
 * (or could set them). Names are compared canonically, so `X_AUTH_USERNAME` and
 * `x-auth-username` are the same header.
 */
export interface IdentityStripper {
  isIdentityHeader(name: string): boolean;
}

export function identityStripper(names: Iterable<string>, prefixes: Iterable<string>, keep: Iterable<string> = []): IdentityStripper {
  const exact = new Set([...names].map(canonicalHeaderName));
  const starts = [...prefixes].map(canonicalHeaderName);
  const kept = new Set([...keep].map(canonicalHeaderName));
  const cache = new Map<string, boolean>();
  return {
    isIdentityHeader(name) {
      const cached = cache.get(name);
      if (cached !== undefined) return cached;
      const canonical = canonicalHeaderName(name);
      const result = !kept.has(canonical) && (exact.has(canonical) || starts.some((p) => canonical.startsWith(p)));
      if (cache.size < 4096) cache.set(name, result);
      return result;
    },
  };
}

/** Names listed in the Connection header(s): hop-by-hop for this message. */
export function connectionTokens(rawHeaders: readonly string[]): Set<string> {
  const tokens = new Set<string>();
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if ((rawHeaders[i] as string).toLowerCase() === 'connection') {
      for (const token of (rawHeaders[i + 1] as string).split(',')) {
        const t = token.trim().toLowerCase();
        if (t) tokens.add(t);
      }
    }
  }
  return tokens;
}

export interface OutgoingHeaderOptions {
  stripper: IdentityStripper;
  /** Headers authgate adds (identity, assertion, forwarding), appended after the filter. */
  add: readonly (readonly [string, string])[];
  /** Keep the Upgrade/Connection pair (WebSocket handshakes). */
  keepUpgrade?: boolean;
  /** Drop X-Forwarded-* from the client (they are rebuilt). */
  dropForwarded?: boolean;
}

/**
 * Builds the flat `[name, value, name, value…]` list sent upstream: hop-by-hop headers, names
 * listed in Connection, every identity header and client-sent X-Forwarded-* are removed, then
 * authgate's own headers are appended.
 */
export function outgoingHeaders(rawHeaders: readonly string[], options: OutgoingHeaderOptions): string[] {
  const listed = connectionTokens(rawHeaders);
  const out: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) && !(options.keepUpgrade && lower === 'upgrade')) continue;
    if (listed.has(lower) && !(options.keepUpgrade && lower === 'upgrade')) continue;
    // Canonical name: `X-Forwarded_For` and `X_Forwarded-For` reach CGI/Rook-style upstreams as X-Forwarded-For.
    const canonical = canonicalHeaderName(name);
    if (options.dropForwarded !== false && (canonical.startsWith('x-forwarded-') || canonical === 'forwarded')) continue;
    if (options.stripper.isIdentityHeader(name)) continue;
    out.push(name, rawHeaders[i + 1] as string);
  }
  if (options.keepUpgrade) out.push('connection', 'upgrade');
  for (const [name, value] of options.add) out.push(name, value);
  return out;
}

/** Response headers from the upstream minus hop-by-hop ones, ready for `res.writeHead`. */
export function responseHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const listed = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean),
  );
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || listed.has(name)) continue;
    out[name] = value;
  }
  return out;
}
