/** From a provider's Profile to an Identity: permitted-login groups, then the role. Pure. */
import type { Identity, Profile } from '../core/index.ts';
import { checkPermitted } from '../policy/permitted.ts';
import { resolveRole, type AuthorizationConfig } from '../policy/roles.ts';

export type Admission =
  | { ok: true; identity: Identity; roleSource: string; roleMatched: readonly string[]; permittedThrough: readonly string[] }
  | { ok: false; reason: 'not-permitted'; required: readonly string[] };

/**
 * Groups a user must be in to log in: every list must be satisfied (membership in any group of
 * it); an empty list permits everyone. One list per provider whose permittedLoginGroups apply:
 * the provider's own, plus the directory's when groups come from an LDAP provider (groupsFrom).
 */
export type PermittedGroups = ReadonlyArray<readonly string[]>;

/** The only place that decides "not permitted": at login and at every membership refresh, for every provider. */
export function admit(profile: Profile, permitted: PermittedGroups, authz: AuthorizationConfig, nowSeconds: number, authTime = nowSeconds): Admission {
  const permittedThrough: string[] = [];
  for (const groups of permitted) {
    const result = checkPermitted(profile, groups);
    if (!result.permitted) return { ok: false, reason: 'not-permitted', required: result.required };
    permittedThrough.push(...result.matched);
  }
  const role = resolveRole(profile, authz);
  const identity: Identity = {
    provider: profile.provider,
    uniqueId: profile.uniqueId,
    username: profile.username,
    ...(profile.email ? { email: profile.email } : {}),
    ...(profile.firstName ? { firstName: profile.firstName } : {}),
    ...(profile.lastName ? { lastName: profile.lastName } : {}),
    groups: [...new Set(profile.groups.map((g) => g.name))],
    role: role.role,
    authTime,
    refreshedAt: nowSeconds,
  };
  return { ok: true, identity, roleSource: role.source, roleMatched: role.matched, permittedThrough };
}
