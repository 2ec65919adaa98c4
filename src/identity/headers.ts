/** Which headers carry the identity upstream, and how values are made header-safe. */
import type { Identity } from '../auth/identity.ts';

export type UpstreamProfile = 'connect' | 'workbench' | 'generic';
export type IdentityField = 'username' | 'email' | 'firstName' | 'lastName' | 'groups' | 'role' | 'uniqueId';

export const PROFILE_HEADERS: Record<UpstreamProfile, Partial<Record<IdentityField, string>>> = {
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
 * Headers stripped from every incoming request whatever the profile: any of them could be
 * trusted by some upstream (Connect, Workbench, Grafana-style Remote-User, oauth2-proxy's).
 */
export const ALWAYS_STRIPPED = [
  'Remote-User', 'Remote-Email', 'Remote-Groups', 'Remote-Name', 'X-Remote-User', 'X-Remote-Email', 'X-Remote-Groups',
  'X-Forwarded-User', 'X-Forwarded-Email', 'X-Forwarded-Preferred-Username', 'X-Forwarded-Groups', 'X-Forwarded-Access-Token',
  'X-User', 'X-Email', 'X-Webauth-User',
];
export const STRIPPED_PREFIXES = ['x-auth-', 'x-rstudio-', 'x-authgate-'];

export interface HeaderPlan {
  fields: Array<[IdentityField, string]>;
  /** Every name to strip from incoming requests. */
  stripNames: string[];
}

export function headerPlan(profile: UpstreamProfile, overrides: Partial<Record<IdentityField, string | undefined>>, assertionHeader: string): HeaderPlan {
  const chosen: Partial<Record<IdentityField, string>> = { ...PROFILE_HEADERS[profile] };
  for (const [field, name] of Object.entries(overrides)) if (name) chosen[field as IdentityField] = name;
  const fields = Object.entries(chosen) as Array<[IdentityField, string]>;
  const allProfileNames = Object.values(PROFILE_HEADERS).flatMap((p) => Object.values(p));
  return { fields, stripNames: [...new Set([...allProfileNames, ...fields.map(([, n]) => n), assertionHeader, ...ALWAYS_STRIPPED])] };
}

/**
 * Header values must be visible ASCII; anything else (non-ASCII names, control characters) is
 * percent-encoded as UTF-8 rather than dropped, and `%` itself is encoded when encoding happens.
 */
export function headerSafe(value: string): string {
  if (/^[\x20-\x7e]*$/.test(value)) return value;
  let out = '';
  for (const char of value) {
    const code = char.codePointAt(0) as number;
    if (code >= 0x20 && code <= 0x7e && char !== '%') out += char;
    else out += [...Buffer.from(char, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
  return out;
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
        value = identity.groups.join(options.groupsSeparator);
        break;
      default:
        value = identity[field];
    }
    if (value !== undefined && value !== '') out.push([name, headerSafe(value)]);
  }
  return out;
}
