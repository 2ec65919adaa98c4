/** From a provider's Profile to an Identity: permitted-login groups, then the role. Pure. */
import type { Identity, Profile } from './identity.ts';
import { checkPermitted } from '../policy/permitted.ts';
import { resolveRole, type AuthorizationConfig } from '../policy/roles.ts';

export type Admission = { ok: true; identity: Identity; roleSource: string } | { ok: false; reason: 'not-permitted'; required: readonly string[] };

export function admit(profile: Profile, permittedGroups: readonly string[], authz: AuthorizationConfig, nowSeconds: number, authTime = nowSeconds): Admission {
  if (permittedGroups.length > 0) {
    const permitted = checkPermitted(profile, permittedGroups);
    if (!permitted.permitted) return { ok: false, reason: 'not-permitted', required: permitted.required };
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
  return { ok: true, identity, roleSource: role.source };
}
