/** From LDAP entries to the provider-neutral Profile and GroupRef. Pure. */
import type { GroupRef, Profile } from '../../core/index.ts';
import { firstRdnValue } from '../../ldap-syntax/index.ts';
import { firstString, rawValues, stringValues, type LdapEntry } from './entry.ts';
import { guidToString, isGuidAttribute } from './guid.ts';

export interface ProfileAttributes {
  uniqueIdAttribute: string;
  usernameAttribute: string;
  userEmailAttribute?: string | undefined;
  userFirstNameAttribute?: string | undefined;
  userLastNameAttribute?: string | undefined;
  userRoleAttribute?: string | undefined;
}

export interface GroupAttributes {
  groupUniqueIdAttribute: string;
  groupNameAttribute: string;
}

/**
 * The stable id held in `attribute`: the DN itself for `DN`, a GUID string for objectGUID
 * (and any 16-byte value of a GUID attribute), text otherwise (OpenLDAP entryUUID).
 */
export function uniqueIdOf(entry: LdapEntry, attribute: string): string | undefined {
  if (attribute.toLowerCase() === 'dn') return entry.dn;
  const raw = rawValues(entry, attribute)[0];
  if (raw === undefined || raw.length === 0) return undefined;
  if (isGuidAttribute(attribute)) return guidToString(raw);
  return raw.toString('utf8');
}

/** The attributes to request for a user entry (DN is never requested: it is always returned). */
export function userAttributesToRequest(config: ProfileAttributes, extra: readonly string[] = []): string[] {
  const names = [
    config.uniqueIdAttribute,
    config.usernameAttribute,
    config.userEmailAttribute,
    config.userFirstNameAttribute,
    config.userLastNameAttribute,
    config.userRoleAttribute,
    ...extra,
  ];
  const seen = new Set<string>();
  const out: string[] = [];
  for (const name of names) {
    if (!name || name.toLowerCase() === 'dn' || seen.has(name.toLowerCase())) continue;
    seen.add(name.toLowerCase());
    out.push(name);
  }
  return out;
}

export type MapResult = { ok: true; profile: Profile } | { ok: false; problem: string };

export function entryToProfile(provider: string, entry: LdapEntry, config: ProfileAttributes, groups: GroupRef[]): MapResult {
  const uniqueId = uniqueIdOf(entry, config.uniqueIdAttribute);
  if (!uniqueId) return { ok: false, problem: `entry ${entry.dn} has no usable ${config.uniqueIdAttribute} (uniqueIdAttribute)` };
  const username = firstString(entry, config.usernameAttribute);
  if (!username) return { ok: false, problem: `entry ${entry.dn} has no ${config.usernameAttribute} (usernameAttribute)` };
  const optional = (attribute: string | undefined): string | undefined => (attribute ? firstString(entry, attribute) : undefined);
  const profile: Profile = {
    provider,
    uniqueId,
    username,
    groups,
    roleValues: config.userRoleAttribute ? stringValues(entry, config.userRoleAttribute).filter((v) => v !== '') : [],
  };
  const email = optional(config.userEmailAttribute);
  const firstName = optional(config.userFirstNameAttribute);
  const lastName = optional(config.userLastNameAttribute);
  if (email !== undefined) profile.email = email;
  if (firstName !== undefined) profile.firstName = firstName;
  if (lastName !== undefined) profile.lastName = lastName;
  return { ok: true, profile };
}

export function entryToGroup(entry: LdapEntry, config: GroupAttributes): GroupRef {
  const name = firstString(entry, config.groupNameAttribute) ?? firstRdnValue(entry.dn) ?? entry.dn;
  const group: GroupRef = { name, dn: entry.dn };
  const id = uniqueIdOf(entry, config.groupUniqueIdAttribute);
  if (id !== undefined) group.id = id;
  return group;
}

/** Groups sorted by name, then DN, so profiles compare stably. */
export function sortGroups(groups: GroupRef[]): GroupRef[] {
  return [...groups].sort((a, b) => a.name.localeCompare(b.name) || (a.dn ?? '').localeCompare(b.dn ?? ''));
}
