/**
 * RStudio Connect's `[Authorization]` role semantics, shared by every provider. Pure.
 *
 * - `userRoleGroupMapping`: the *RoleMapping lists hold group DNs or names.
 * - `userRoleMapping`: the lists hold values of the provider's role attribute / claim;
 *   with all three lists empty, the values `viewer`, `publisher`, `administrator` are taken as they are.
 * - Several matches: the most privileged role wins, or the least with `userRoleMappingRestrictive`.
 * - No match (or no mapping): `defaultUserRole`. A provider's fixed role (local users file) wins.
 */
import { ROLES, roleRank, type Profile, type Role } from '../core/index.ts';
import { groupMatcher } from './permitted.ts';

/** The role keys of the `authorization` section; the schema's output must satisfy this. */
export interface AuthorizationConfig {
  defaultUserRole: Role;
  userRoleGroupMapping: boolean;
  userRoleMapping: boolean;
  viewerRoleMapping: string[];
  publisherRoleMapping: string[];
  administratorRoleMapping: string[];
  userRoleMappingRestrictive: boolean;
}

export interface RoleResult {
  role: Role;
  source: 'fixed' | 'group-mapping' | 'attribute-mapping' | 'attribute-value' | 'default';
  /** What matched (group pattern or attribute value), for audit and `ldap-test`. */
  matched: string[];
}

function mappingFor(config: AuthorizationConfig, role: Role): string[] {
  if (role === 'viewer') return config.viewerRoleMapping;
  if (role === 'publisher') return config.publisherRoleMapping;
  return config.administratorRoleMapping;
}

function pick(candidates: Map<Role, string[]>, restrictive: boolean): Role | undefined {
  const roles = [...candidates.keys()].sort((a, b) => roleRank(a) - roleRank(b));
  return restrictive ? roles[0] : roles[roles.length - 1];
}

function result(candidates: Map<Role, string[]>, config: AuthorizationConfig, source: RoleResult['source']): RoleResult {
  const role = pick(candidates, config.userRoleMappingRestrictive);
  if (role === undefined) return { role: config.defaultUserRole, source: 'default', matched: [] };
  return { role, source, matched: candidates.get(role) ?? [] };
}

export function resolveRole(profile: Pick<Profile, 'groups' | 'roleValues' | 'fixedRole'>, config: AuthorizationConfig): RoleResult {
  if (profile.fixedRole) return { role: profile.fixedRole, source: 'fixed', matched: [] };
  const candidates = new Map<Role, string[]>();
  const add = (role: Role, matched: string): void => {
    candidates.set(role, [...(candidates.get(role) ?? []), matched]);
  };
  if (config.userRoleGroupMapping) {
    for (const role of ROLES) {
      for (const pattern of mappingFor(config, role)) {
        const matcher = groupMatcher(pattern);
        if (profile.groups.some((group) => matcher.matches(group))) add(role, pattern);
      }
    }
    return result(candidates, config, 'group-mapping');
  }
  if (config.userRoleMapping) {
    const values = profile.roleValues.map((value) => value.trim()).filter((value) => value !== '');
    const listsEmpty = ROLES.every((role) => mappingFor(config, role).length === 0);
    if (listsEmpty) {
      for (const value of values) {
        const role = ROLES.find((name) => name === value.toLowerCase());
        if (role) add(role, value);
      }
      return result(candidates, config, 'attribute-value');
    }
    for (const role of ROLES) {
      const wanted = new Set(mappingFor(config, role).map((value) => value.trim().toLowerCase()));
      for (const value of values) if (wanted.has(value.toLowerCase())) add(role, value);
    }
    return result(candidates, config, 'attribute-mapping');
  }
  return { role: config.defaultUserRole, source: 'default', matched: [] };
}
