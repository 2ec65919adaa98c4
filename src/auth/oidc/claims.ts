/**
 * Pure: ID token and userinfo claims -> Profile, with the checks openid-client does not make
 * for us (Google hd, email_verified, allowed domains, iat not in the future).
 */
import type { GroupRef, Profile } from '../../core/index.ts';
import type { OidcFailureReason } from './errors.ts';

export interface ClaimsPolicy {
  providerId: string;
  /** Google preset: allowedDomains checks `hd`; email_verified is always required. */
  google: boolean;
  allowedDomains: readonly string[];
  usernameClaim: string;
  usernameLocalPart: boolean;
  requireVerifiedEmail: boolean;
  groupsClaim?: string | undefined;
  roleClaim?: string | undefined;
  /** groupsFrom: ldap looks the user up by email, so the email must be verified. */
  emailLookup: boolean;
}

export type ClaimsOutcome =
  | { ok: true; profile: Profile }
  | { ok: false; reason: OidcFailureReason; detail: string };

export type Claims = Readonly<Record<string, unknown>>;

const fail = (reason: OidcFailureReason, detail: string): ClaimsOutcome => ({ ok: false, reason, detail });

/** A claim by name, or by dotted path into nested objects (`realm_access.roles`). */
export function claimAt(claims: Claims, path: string): unknown {
  if (Object.hasOwn(claims, path)) return claims[path];
  let current: unknown = claims;
  for (const part of path.split('.')) {
    if (typeof current !== 'object' || current === null || Array.isArray(current) || !Object.hasOwn(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** A list-valued claim as strings: a list keeps its string and number members; a string is one value. */
export function claimStrings(value: unknown): string[] {
  const items = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  const out = new Set<string>();
  for (const item of items) {
    if (typeof item === 'string' && item.trim() !== '') out.add(item.trim());
    else if (typeof item === 'number' && Number.isFinite(item)) out.add(String(item));
  }
  return [...out];
}

function emailVerified(claims: Claims): boolean {
  const value = claims['email_verified'];
  return value === true || value === 'true';
}

function isFalse(value: unknown): boolean {
  return value === false || value === 'false';
}

function domainOf(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1).toLowerCase();
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** ID token times openid-client leaves to us: `iat` must not lie in the future. */
export function checkIssuedAt(idTokenClaims: Claims, nowSeconds: number, toleranceSeconds: number): ClaimsOutcome | undefined {
  const iat = idTokenClaims['iat'];
  if (typeof iat === 'number' && iat > nowSeconds + toleranceSeconds) {
    return fail('token-not-yet-valid', `ID token iat ${iat} is ${iat - nowSeconds}s in the future`);
  }
  return undefined;
}

/** Turns merged claims (ID token claims win over userinfo) into a Profile, or says why not. */
export function profileFromClaims(claims: Claims, policy: ClaimsPolicy): ClaimsOutcome {
  const sub = claims['sub'];
  if (typeof sub !== 'string' || sub === '') return fail('missing-claim', 'no sub claim');

  const email = typeof claims['email'] === 'string' && claims['email'].includes('@') ? claims['email'] : undefined;
  const allowed = policy.allowedDomains.map((d) => d.toLowerCase());
  // Google and groupsFrom always need email_verified: true; elsewhere requireVerifiedEmail: false
  // accepts an email unless the issuer says it is unverified.
  const strict = policy.requireVerifiedEmail || policy.google || policy.emailLookup;
  const trusted = email !== undefined && (emailVerified(claims) || (!strict && !isFalse(claims['email_verified'])));
  const emailUsed = policy.google || policy.emailLookup || policy.usernameClaim === 'email' || allowed.length > 0;
  if (email !== undefined && !trusted && emailUsed) {
    return fail('email-unverified', `email ${JSON.stringify(email)} has email_verified=${JSON.stringify(claims['email_verified'])}`);
  }

  if (allowed.length > 0) {
    if (policy.google) {
      const hd = claims['hd'];
      if (typeof hd !== 'string' || !allowed.includes(hd.toLowerCase())) {
        return fail('hd-mismatch', `hd claim ${JSON.stringify(hd)} is not one of ${allowed.join(', ')}`);
      }
    } else if (email === undefined || !allowed.includes(domainOf(email))) {
      return fail('domain-not-allowed', `email domain of ${JSON.stringify(email)} is not one of ${allowed.join(', ')}`);
    }
  }

  let username = text(claimAt(claims, policy.usernameClaim));
  if (username !== undefined && policy.usernameLocalPart && username.includes('@')) {
    username = username.slice(0, username.lastIndexOf('@'));
  }
  if (!username) return fail('missing-claim', `no usable ${policy.usernameClaim} claim for the username`);
  if (policy.emailLookup && email === undefined) return fail('missing-claim', 'groupsFrom: ldap needs an email claim');

  const groups: GroupRef[] = policy.groupsClaim ? claimStrings(claimAt(claims, policy.groupsClaim)).map((name) => ({ name })) : [];
  const roleValues = policy.roleClaim ? claimStrings(claimAt(claims, policy.roleClaim)) : [];
  const profile: Profile = { provider: policy.providerId, uniqueId: sub, username, groups, roleValues };
  // An unverified email is never forwarded, even where it is not required.
  if (email !== undefined && trusted) profile.email = email;
  const firstName = text(claims['given_name']);
  const lastName = text(claims['family_name']);
  if (firstName) profile.firstName = firstName;
  if (lastName) profile.lastName = lastName;
  return { ok: true, profile };
}

/** Adds groups and role values found elsewhere (groupsFrom: ldap), without duplicates. */
export function mergeDirectoryProfile(profile: Profile, directory: Profile | undefined): Profile {
  if (!directory) return profile;
  const seen = new Set(profile.groups.map((g) => g.name));
  const groups = [...profile.groups, ...directory.groups.filter((g) => !seen.has(g.name))];
  const roleValues = [...new Set([...profile.roleValues, ...directory.roleValues])];
  return { ...profile, groups, roleValues };
}
