/**
 * What authgate lets through of the upstream's response headers besides hop-by-hop removal:
 * never a cookie that would replace or shadow one of authgate's own (session, CSRF, OIDC
 * transaction), and never the upstream's Strict-Transport-Security (authgate sends its own).
 * An application on the same origin (a publisher's Shiny app, a Plumber API) could otherwise
 * swap a viewer into a session of its choosing, or switch HSTS off with `max-age=0`. Pure.
 */
import { responseHeaders } from './headers.ts';

type ResponseKind = 'response' | 'upgrade';

export interface ResponsePolicy {
  /** authgate's Strict-Transport-Security value ('' = none); the upstream's is always dropped. */
  hsts: string;
  /** True for a cookie name (as cookieNameOf gives it) that belongs to authgate. */
  isOwnCookie(name: string): boolean;
  /** Told once per response with the names of the cookies dropped (names only, never values). */
  onDropped?(names: string[], kind: ResponseKind, where: { method: string; path: string }): void;
}

const HSTS = 'strict-transport-security';
const SET_COOKIE = 'set-cookie';
/** Response headers only authgate sets (skipped in the same pass that drops hop-by-hop ones, no `delete` on the hot path). */
const OWNED: ReadonlySet<string> = new Set([HSTS]);

/**
 * The name a browser files a Set-Cookie under, as authgate would read it back from the Cookie
 * header (RFC 6265bis §5.6): the text before the first `=` of the part before the first `;`,
 * trimmed. A nameless cookie (`=__Host-x=v`, or no `=` at all) is sent back as its bare value,
 * so its "name" is the value's own text before `=`.
 */
export function cookieNameOf(setCookie: string): string {
  const semi = setCookie.indexOf(';');
  const pair = semi === -1 ? setCookie : setCookie.slice(0, semi);
  const eq = pair.indexOf('=');
  if (eq === -1) return pair.trim();
  const name = pair.slice(0, eq).trim();
  if (name !== '') return name;
  const value = pair.slice(eq + 1).trim();
  const inner = value.indexOf('=');
  return (inner === -1 ? value : value.slice(0, inner)).trim();
}

/**
 * Matcher for authgate's cookie family. authgate's cookies are `__Host-<cookieName>` and
 * `__Host-<cookieName>-<suffix>`. A name is authgate's when it carries a `__Host-` or `__Secure-`
 * prefix and the rest is `<cookieName>` or `<cookieName>-…`, all compared case-insensitively:
 * browsers compare names exactly, so this is wider than what could overwrite a cookie (it also
 * covers `__host-AuthGate`, which a browser files separately), at no cost to any real application.
 * An unprefixed `<cookieName>` is left alone: browsers keep it apart from `__Host-<cookieName>`,
 * authgate never reads it, and a cookieName such as `session` must not break the upstream's own.
 */
export function ownCookieMatcher(cookieName: string): (name: string) => boolean {
  const base = cookieName.toLowerCase();
  return (name) => {
    const lower = name.toLowerCase();
    const rest = lower.startsWith('__host-') ? lower.slice(7) : lower.startsWith('__secure-') ? lower.slice(9) : undefined;
    return rest !== undefined && (rest === base || rest.startsWith(`${base}-`));
  };
}

const mayBeOwn = (setCookie: string): boolean => setCookie.includes('__');

function filterCookies(values: readonly string[], policy: ResponsePolicy, dropped: string[]): string[] {
  const kept: string[] = [];
  for (const value of values) {
    const name = cookieNameOf(value);
    if (policy.isOwnCookie(name)) dropped.push(name);
    else kept.push(value);
  }
  return kept;
}

/** responseHeaders, then the upstream's HSTS and any Set-Cookie for authgate's cookies removed. */
export function guardedResponseHeaders(
  upstream: Record<string, string | string[] | undefined>,
  policy: ResponsePolicy | undefined,
): { headers: Record<string, string | string[]>; dropped: string[] } {
  const headers = responseHeaders(upstream, policy === undefined ? undefined : OWNED);
  const dropped: string[] = [];
  if (policy === undefined) return { headers, dropped };
  const cookies = headers[SET_COOKIE];
  // Every name of authgate's starts with `__Host-`/`__Secure-` (a nameless cookie's value too):
  // a Set-Cookie without `__` cannot be one, and most have none. Measured on one Set-Cookie:
  // responseHeaders alone 115 ns, the guard parsing every cookie 194 ns, with this check 140 ns.
  if (cookies !== undefined && (Array.isArray(cookies) ? cookies.some(mayBeOwn) : mayBeOwn(cookies))) {
    const kept = filterCookies(Array.isArray(cookies) ? cookies : [cookies], policy, dropped);
    if (kept.length === 0) delete headers[SET_COOKIE];
    else if (dropped.length > 0) headers[SET_COOKIE] = kept;
  }
  return { headers, dropped };
}

/**
 * The raw header list of an upstream's 101 Switching Protocols, passed on as sent (Connection and
 * Upgrade included) except the upstream's HSTS and Set-Cookie for authgate's cookies; authgate's
 * HSTS appended.
 */
export function guardedUpgradeHeaders(raw: readonly string[], policy: ResponsePolicy | undefined): { raw: string[]; dropped: string[] } {
  const dropped: string[] = [];
  if (policy === undefined) return { raw: [...raw], dropped };
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    const lower = name.toLowerCase();
    if (lower === HSTS) continue;
    if (lower === SET_COOKIE && filterCookies([value], policy, dropped).length === 0) continue;
    out.push(name, value);
  }
  if (policy.hsts) out.push(HSTS, policy.hsts);
  return { raw: out, dropped };
}
