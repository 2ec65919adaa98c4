/** Which headers carry the identity upstream, and how values are made header-safe. */
import type { Identity } from '../core/index.ts';

export type UpstreamProfile = 'connect' | 'workbench' | 'generic';
export type IdentityField = 'username' | 'email' | 'firstName' | 'lastName' | 'groups' | 'role' | 'uniqueId';

const PROFILE_HEADERS: Record<UpstreamProfile, Partial<Record<IdentityField, string>>> = {
  connect: {
    username: 'X-Auth-Username',
    email: 'X-Auth-Email',
    firstName: 'X-Auth-First-Name',
    lastName: 'X-Auth-Last-Name',
    groups: 'X-Auth-Groups',
    role: 'X-Auth-Role',
    uniqueId: 'X-Auth-ID',
  },
  workbench: { username: 'X-RStudio-Username' },
  generic: {},
};

/**
 * Identity headers of other proxies and platforms, stripped from every incoming request whatever
 * the profile: some upstream could trust any of them (Grafana-style Remote-User, oauth2-proxy's
 * X-Forwarded-User, Apache's X-Remote-User, Azure App Service's X-Ms-Client-Principal-*), or read
 * a rewritten URL or method from them (IIS/Symfony X-Original-URL and X-Rewrite-URL, the
 * method-override family), so a request could be judged as one thing and served as another.
 * `upstream.passHeaders` may let a named one through; the names authgate sets never pass.
 */
export const ALWAYS_STRIPPED = [
  'Remote-User', 'Remote-Email', 'Remote-Groups', 'Remote-Name', 'X-Remote-User', 'X-Remote-Email', 'X-Remote-Groups',
  'X-Forwarded-User', 'X-Forwarded-Email', 'X-Forwarded-Preferred-Username', 'X-Forwarded-Groups', 'X-Forwarded-Access-Token',
  'X-User', 'X-Email', 'X-Webauth-User', 'X-Authenticated-User', 'X-Original-URL', 'X-Rewrite-URL',
  'X-HTTP-Method-Override', 'X-HTTP-Method', 'X-Method-Override', 'X-Client-IP', 'True-Client-IP',
];
/** Canonical prefixes of the same families (`Remote-*`, `X-Remote-*`, `X-WEBAUTH-*`, `X-Ms-Client-Principal*`, `X-Original-*`). */
export const THIRD_PARTY_PREFIXES = ['remote-', 'x-remote-', 'x-webauth-', 'x-ms-client-principal', 'x-original-'];
/**
 * Workbench's IDE marks its background RPCs (event polling and the like) with this header set to
 * `0` ("do not refresh the auth credentials": RpcRequest.java; server_core HeaderConstants.hpp
 * `kRStudioRpcRefreshAuthCreds`). The workbench profile passes it to rserver and does not count
 * such requests as user activity.
 */
export const WORKBENCH_REFRESH_HEADER = 'X-RStudio-Refresh-Auth-Creds';

/** Whether a request is a background request of Workbench's IDE (its refresh header is `0`). */
export function isWorkbenchBackground(value: string | string[] | undefined): boolean {
  return value === '0';
}

/** Canonical prefixes of the names authgate sets itself (never passed, whatever the configuration). */
export const STRIPPED_PREFIXES = ['x-auth-', 'x-rstudio-', 'x-authgate-'];

export interface HeaderPlan {
  fields: Array<[IdentityField, string]>;
  /** Every name authgate sets (identity headers of every profile, the assertion): always stripped from incoming requests. */
  stripNames: string[];
}

export function headerPlan(profile: UpstreamProfile, overrides: Partial<Record<IdentityField, string | undefined>>, assertionHeader: string): HeaderPlan {
  const chosen: Partial<Record<IdentityField, string>> = { ...PROFILE_HEADERS[profile] };
  for (const [field, name] of Object.entries(overrides)) if (name) chosen[field as IdentityField] = name;
  const fields = Object.entries(chosen) as Array<[IdentityField, string]>;
  const allProfileNames = Object.values(PROFILE_HEADERS).flatMap((p) => Object.values(p));
  return { fields, stripNames: [...new Set([...allProfileNames, ...fields.map(([, n]) => n), assertionHeader])] };
}

/**
 * Header values must be visible ASCII. A value made only of visible ASCII other than `%` is sent
 * as it is; in any other value every character outside that set (non-ASCII, control characters,
 * `%` itself, and the characters of `escape`) is percent-encoded as UTF-8. Because `%` is always
 * encoded, the encoding is injective: `Zoë` becomes `Zo%C3%AB` and a user literally named
 * `Zo%C3%AB` becomes `Zo%25C3%25AB`, so two users can never arrive as one. A lone UTF-16
 * surrogate (invalid Unicode, possible in JSON claims) is encoded as its code point in the
 * generalised UTF-8 form (`\uD800` -> `%ED%A0%80`) instead of U+FFFD, which would merge it with
 * a real U+FFFD.
 */
export function headerSafe(value: string, escape = ''): string {
  if (PLAIN.test(value) && (escape === '' || ![...escape].some((c) => value.includes(c)))) return value;
  let out = '';
  for (const char of value) {
    const code = char.codePointAt(0) as number;
    if (code >= 0x20 && code <= 0x7e && char !== '%' && !escape.includes(char)) out += char;
    else for (const byte of utf8(code)) out += `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
  }
  return out;
}

// Visible ASCII except `%`: the values sent unchanged (almost all of them: checked by one regex).
const PLAIN = /^[\x20-\x24\x26-\x7e]*$/;
const HEX = '0123456789ABCDEF';

/** UTF-8 bytes of one code point; surrogates (U+D800–U+DFFF) get the same 3-byte form as any other BMP code point. */
function utf8(code: number): number[] {
  if (code < 0x80) return [code];
  if (code < 0x800) return [0xc0 | (code >> 6), 0x80 | (code & 63)];
  if (code < 0x10000) return [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63)];
  return [0xf0 | (code >> 18), 0x80 | ((code >> 12) & 63), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63)];
}

export interface IdentityHeaderOptions {
  plan: HeaderPlan;
  groupsSeparator: string;
  rewriteUsername?: (username: string) => string;
}

export function identityHeaders(identity: Identity, options: IdentityHeaderOptions): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [field, name] of options.plan.fields) {
    let value: string | undefined;
    switch (field) {
      case 'username':
        value = options.rewriteUsername ? options.rewriteUsername(identity.username) : identity.username;
        break;
      case 'groups':
        // Each name encoded on its own, the separator's characters included: a group named
        // `staff,admins` cannot arrive as the two groups `staff` and `admins`.
        value = identity.groups
          .filter((g) => g !== '')
          .map((g) => headerSafe(g, options.groupsSeparator))
          .join(options.groupsSeparator);
        if (value !== '') out.push([name, value]);
        continue;
      default:
        value = identity[field];
    }
    if (value !== undefined && value !== '') out.push([name, headerSafe(value)]);
  }
  return out;
}
