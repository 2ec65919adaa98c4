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

/** Adds the comma-separated tokens of a Connection value to `into`, lower-cased and trimmed. */
function addTokens(value: string, into: Set<string>): void {
  for (const token of value.split(',')) {
    const t = token.trim().toLowerCase();
    if (t) into.add(t);
  }
}

/** Names listed in the Connection header(s): hop-by-hop for this message. */
export function connectionTokens(rawHeaders: readonly string[]): Set<string> {
  const tokens = new Set<string>();
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if ((rawHeaders[i] as string).toLowerCase() === 'connection') addTokens(rawHeaders[i + 1] as string, tokens);
  }
  return tokens;
}

export interface OutgoingHeaderOptions {
  stripper: IdentityStripper;
  /** Headers authgate adds (identity, assertion, forwarding), appended after the filter. */
  add: readonly (readonly [string, string])[];
  /** Keep the Upgrade/Connection pair (WebSocket handshakes). */
  keepUpgrade?: boolean;
  /** Rewrites each Cookie header value (authgate's own cookies removed); an empty result drops the header. */
  cookie?: (value: string) => string;
}

// What a header name is, decided once per spelling (per stripper): the hot path sees the same
// few names on every request, so lower-casing and canonicalising them each time was measurable.
const KEEP = 0;
const HOP = 1;
const FORWARDED = 2;
const IDENTITY = 3;
const COOKIE = 4;
interface NameInfo {
  lower: string;
  kind: number;
}
const MAX_NAMES = 4096;
const namesByStripper = new WeakMap<IdentityStripper, Map<string, NameInfo>>();

function namesFor(stripper: IdentityStripper): Map<string, NameInfo> {
  let names = namesByStripper.get(stripper);
  if (names === undefined) {
    names = new Map();
    namesByStripper.set(stripper, names);
  }
  return names;
}

function nameInfo(name: string, stripper: IdentityStripper, names: Map<string, NameInfo>): NameInfo {
  let info = names.get(name);
  if (info === undefined) {
    const lower = name.toLowerCase();
    // Canonical name: `X-Forwarded_For` and `X_Forwarded-For` reach CGI/Rook-style upstreams as X-Forwarded-For.
    const canonical = canonicalHeaderName(name);
    let kind = KEEP;
    // Expect is answered by authgate itself (100 Continue once the request passed the gate); the
    // upstream adapter (undici) refuses a request carrying it, so it is never forwarded.
    if (HOP_BY_HOP.has(lower) || lower === 'expect') kind = HOP;
    else if (canonical.startsWith('x-forwarded-') || canonical === 'forwarded') kind = FORWARDED;
    else if (stripper.isIdentityHeader(name)) kind = IDENTITY;
    else if (lower === 'cookie') kind = COOKIE;
    info = { lower, kind };
    if (names.size < MAX_NAMES) names.set(name, info);
  }
  return info;
}

/**
 * Builds the flat `[name, value, name, value…]` list sent upstream: hop-by-hop headers, Expect, names
 * listed in Connection, every identity header and client-sent X-Forwarded-* are removed, then
 * authgate's own headers are appended.
 */
export function outgoingHeaders(rawHeaders: readonly string[], options: OutgoingHeaderOptions): string[] {
  const { stripper, keepUpgrade = false, cookie } = options;
  const names = namesFor(stripper);
  let out: string[] = [];
  let hasConnection = false;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    const { lower, kind } = nameInfo(name, stripper, names);
    if (kind === HOP) {
      if (lower === 'connection') hasConnection = true;
      if (!(keepUpgrade && lower === 'upgrade')) continue;
    }
    if (kind === FORWARDED || kind === IDENTITY) continue;
    let value = rawHeaders[i + 1] as string;
    if (kind === COOKIE && cookie !== undefined) {
      value = cookie(value);
      if (value === '') continue;
    }
    out.push(name, value);
  }
  if (hasConnection) {
    // Other names listed in Connection are hop-by-hop for this message too. The usual values
    // (keep-alive, close, upgrade) name only headers already removed above: nothing to filter.
    const listed = [...connectionTokens(rawHeaders)].filter((token) => !HOP_BY_HOP.has(token));
    if (listed.length > 0) out = withoutNames(out, new Set(listed), (name) => nameInfo(name, stripper, names).lower);
  }
  if (keepUpgrade) out.push('connection', 'upgrade');
  for (const [name, value] of options.add) out.push(name, value);
  return out;
}

function withoutNames(headers: string[], drop: Set<string>, lower: (name: string) => string): string[] {
  const kept: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    if (!drop.has(lower(headers[i] as string))) kept.push(headers[i] as string, headers[i + 1] as string);
  }
  return kept;
}

/** Response headers from the upstream minus hop-by-hop ones, ready for `res.writeHead`. */
export function responseHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const connection = headers.connection;
  // `keep-alive` and `close` (the usual values) name only hop-by-hop headers: no list to build.
  let listed: Set<string> | undefined;
  if (connection !== undefined && connection !== 'keep-alive' && connection !== 'close') addTokens(String(connection), (listed = new Set()));
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || HOP_BY_HOP.has(name) || listed?.has(name)) continue;
    out[name] = value;
  }
  return out;
}
