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
 * Decides which incoming headers must never reach the upstream because authgate sets them (or
 * could set them), or because another proxy's upstream could trust them. Names are compared
 * canonically, so `X_AUTH_USERNAME` and `x-auth-username` are the same header.
 */
export interface IdentityStripper {
  isIdentityHeader(name: string): boolean;
}

export interface StripperOptions {
  /** Names under authgate's own prefixes that still pass (X-Auth-Token with upstream.passApiKeys); never an exact name authgate sets. */
  keep?: Iterable<string>;
  /** Other proxies' identity headers (Remote-User, X-WEBAUTH-*, X-Original-URL…): stripped unless named in `pass`. */
  thirdParty?: Iterable<string>;
  thirdPartyPrefixes?: Iterable<string>;
  /** Third-party names the configuration lets through (upstream.passHeaders). */
  pass?: Iterable<string>;
}

export function identityStripper(names: Iterable<string>, prefixes: Iterable<string>, options: StripperOptions = {}): IdentityStripper {
  const canonicalSet = (list: Iterable<string> | undefined) => new Set([...(list ?? [])].map(canonicalHeaderName));
  const exact = canonicalSet(names);
  const starts = [...prefixes].map(canonicalHeaderName);
  const kept = canonicalSet(options.keep);
  const others = canonicalSet(options.thirdParty);
  const otherStarts = [...(options.thirdPartyPrefixes ?? [])].map(canonicalHeaderName);
  const passed = canonicalSet(options.pass);
  // No cache here: the forwarding path asks once per spelling through HeaderNames, which keeps the answer.
  return {
    isIdentityHeader(name) {
      const canonical = canonicalHeaderName(name);
      if (exact.has(canonical)) return true;
      if (starts.some((p) => canonical.startsWith(p))) return !kept.has(canonical);
      return !passed.has(canonical) && (others.has(canonical) || otherStarts.some((p) => canonical.startsWith(p)));
    },
  };
}

/**
 * Canonical names of the forwarding headers authgate sets itself (besides every `X-Forwarded-*`):
 * a client's copy never reaches the upstream, whatever the configuration.
 */
const FORWARDING_HEADERS = new Set(['forwarded', 'x-real-ip', 'x-request-id']);

/** True for a canonical name authgate sets on every forwarded request (X-Forwarded-*, Forwarded, X-Real-IP, X-Request-Id). */
export function isForwardingHeader(canonical: string): boolean {
  return canonical.startsWith('x-forwarded-') || FORWARDING_HEADERS.has(canonical);
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
  /** What each header name is, for the configuration's identity stripper (see HeaderNames). */
  names: HeaderNames;
  /** Headers authgate adds (identity, assertion, forwarding), appended after the filter. */
  add: readonly (readonly [string, string])[];
  /** Keep the Upgrade/Connection pair (WebSocket handshakes). */
  keepUpgrade?: boolean;
  /** Rewrites each Cookie header value (authgate's own cookies removed); an empty result drops the header. */
  cookie?: (value: string) => string;
  /** The Host the upstream receives (the public one); the client's Host is dropped. Absent: the client's Host is kept. */
  host?: string;
}

const KEEP = 0;
const HOP = 1;
const FORWARDED = 2;
const IDENTITY = 3;
const COOKIE = 4;
const HOST = 5;
export interface NameInfo {
  /** The name lower-cased. */
  lower: string;
  kind: typeof KEEP | typeof HOP | typeof FORWARDED | typeof IDENTITY | typeof COOKIE | typeof HOST;
}

/**
 * What a header name is for the upstream (kept, hop-by-hop, forwarding, identity, cookie, Host),
 * decided once per spelling for one identity stripper. The hot path sees the same few names on
 * every request, so lower-casing and canonicalising them each time was measurable (this cache,
 * identity headers built once per identity and the per-request metrics as plain counters together:
 * session arm 56.4 -> 50.3 µs CPU/request, auth off 46.2 -> 42.2, bench/compare.ts 7 x 5 s,
 * `compare-2026-11-23T13-52-42-988Z.json`). At most `maxNames` spellings are kept (a client can
 * send any names); the ones past the bound are decided again on each request, with the same answer.
 */
export class HeaderNames {
  readonly #stripper: IdentityStripper;
  readonly #max: number;
  readonly #names = new Map<string, NameInfo>();

  constructor(stripper: IdentityStripper, maxNames = 4096) {
    this.#stripper = stripper;
    this.#max = maxNames;
  }

  get size(): number {
    return this.#names.size;
  }

  info(name: string): NameInfo {
    let info = this.#names.get(name);
    if (info === undefined) {
      info = classify(name, this.#stripper);
      if (this.#names.size < this.#max) this.#names.set(name, info);
    }
    return info;
  }
}

function classify(name: string, stripper: IdentityStripper): NameInfo {
  const lower = name.toLowerCase();
  // Canonical name: `X-Forwarded_For` and `X_Forwarded-For` reach CGI/Rook-style upstreams as X-Forwarded-For.
  const canonical = canonicalHeaderName(name);
  // Expect is answered by authgate itself (100 Continue once the request passed the gate); the
  // upstream adapter (undici) refuses a request carrying it, so it is never forwarded.
  if (HOP_BY_HOP.has(lower) || lower === 'expect') return { lower, kind: HOP };
  if (isForwardingHeader(canonical)) return { lower, kind: FORWARDED };
  if (stripper.isIdentityHeader(name)) return { lower, kind: IDENTITY };
  if (lower === 'cookie') return { lower, kind: COOKIE };
  if (lower === 'host') return { lower, kind: HOST };
  return { lower, kind: KEEP };
}

/**
 * Builds the flat `[name, value, name, value…]` list sent upstream: hop-by-hop headers, Expect, names
 * listed in Connection, every identity header and client-sent forwarding headers (X-Forwarded-*,
 * Forwarded, X-Real-IP, X-Request-Id) are removed, the Host is replaced when `host` is given,
 * then authgate's own headers are appended. One pass over the client's headers.
 */
export function outgoingHeaders(rawHeaders: readonly string[], options: OutgoingHeaderOptions): string[] {
  const { names, keepUpgrade = false, cookie, host } = options;
  let out: string[] = host === undefined ? [] : ['host', host];
  let hasConnection = false;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    const { lower, kind } = names.info(name);
    if (kind === HOP) {
      if (lower === 'connection') hasConnection = true;
      if (!(keepUpgrade && lower === 'upgrade')) continue;
    }
    if (kind === FORWARDED || kind === IDENTITY || (kind === HOST && host !== undefined)) continue;
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
    // Host is never hop-by-hop here: `Connection: host` must not remove the public Host set above.
    const listed = [...connectionTokens(rawHeaders)].filter((token) => !HOP_BY_HOP.has(token) && !(host !== undefined && token === 'host'));
    if (listed.length > 0) out = withoutNames(out, new Set(listed), (name) => names.info(name).lower);
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

/** Response headers from the upstream minus hop-by-hop ones (and `skip`, lower-case names), ready for `res.writeHead`. */
export function responseHeaders(headers: Record<string, string | string[] | undefined>, skip?: ReadonlySet<string>): Record<string, string | string[]> {
  const connection = headers.connection;
  // `keep-alive` and `close` (the usual values) name only hop-by-hop headers: no list to build.
  let listed: Set<string> | undefined;
  if (connection !== undefined && connection !== 'keep-alive' && connection !== 'close') addTokens(String(connection), (listed = new Set()));
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || HOP_BY_HOP.has(name) || listed?.has(name) || skip?.has(name)) continue;
    out[name] = value;
  }
  return out;
}
