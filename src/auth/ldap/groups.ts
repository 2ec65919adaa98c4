/**
 * A user's groups: direct membership from memberOf or a member search, nested membership
 * with AD's in-chain rule in one query or, elsewhere, by expanding parents level by level
 * with cycle detection and a depth limit.
 */
import type { GroupRef } from '../../core/index.ts';
import type { LdapConnection } from './client.ts';
import { isWithin, normaliseDn } from '../../ldap-syntax/index.ts';
import { stringValues, type LdapEntry } from './entry.ts';
import { groupBaseFilter, groupsInChainFilter, groupsWithMembersFilter, type GroupFilterConfig } from '../../ldap-syntax/index.ts';
import { entryToGroup, sortGroups, type GroupAttributes } from './map-entry.ts';
import type { Trace } from './trace.ts';

export interface GroupConfig extends GroupFilterConfig, GroupAttributes {
  groupSearchBaseDN?: string | undefined;
  groupMembership: 'memberOf' | 'search';
  memberOfAttribute: string;
  groupMemberAttribute: string;
  nestedGroups: boolean;
  nestedGroupsMaxDepth: number;
}

export interface GroupResult {
  direct: GroupRef[];
  /** Direct and nested, without duplicates. */
  all: GroupRef[];
  /** Nested expansion stopped at nestedGroupsMaxDepth with parents left unexplored. */
  truncated: boolean;
}

/** Capability OID a server lists in its root DSE when it is Active Directory (or Samba AD). */
const AD_CAPABILITY = '1.2.840.113556.1.4.800';
const OR_BATCH = 50;

export async function isActiveDirectory(connection: LdapConnection): Promise<boolean> {
  const { entries } = await connection.search({ base: '', scope: 'base', filter: '(objectClass=*)', attributes: ['supportedCapabilities'] });
  return entries[0] ? stringValues(entries[0], 'supportedCapabilities').includes(AD_CAPABILITY) : false;
}

function groupAttributes(config: GroupConfig): string[] {
  return [config.groupNameAttribute, config.groupUniqueIdAttribute].filter((name) => name.toLowerCase() !== 'dn');
}

async function searchGroups(connection: LdapConnection, config: GroupConfig, filter: string): Promise<LdapEntry[]> {
  const base = config.groupSearchBaseDN as string;
  return (await connection.search({ base, scope: 'sub', filter, attributes: groupAttributes(config) })).entries;
}

async function directGroups(connection: LdapConnection, config: GroupConfig, user: LdapEntry): Promise<LdapEntry[]> {
  const base = config.groupSearchBaseDN as string;
  if (config.groupMembership === 'search') {
    return searchGroups(connection, config, groupsWithMembersFilter(config, config.groupMemberAttribute, [user.dn]));
  }
  const dns = stringValues(user, config.memberOfAttribute).filter((dn) => isWithin(dn, base));
  const found = await Promise.all(
    dns.map(async (dn) => (await connection.search({ base: dn, scope: 'base', filter: groupBaseFilter(config), attributes: groupAttributes(config), missingBaseIsEmpty: true })).entries),
  );
  return found.flat();
}

async function expand(connection: LdapConnection, config: GroupConfig, start: LdapEntry[], trace?: Trace): Promise<{ entries: LdapEntry[]; truncated: boolean }> {
  const seen = new Map(start.map((entry) => [normaliseDn(entry.dn), entry]));
  let frontier = start.map((entry) => entry.dn);
  for (let depth = 1; depth <= config.nestedGroupsMaxDepth && frontier.length > 0; depth += 1) {
    const next: string[] = [];
    for (let i = 0; i < frontier.length; i += OR_BATCH) {
      const parents = await searchGroups(connection, config, groupsWithMembersFilter(config, config.groupMemberAttribute, frontier.slice(i, i + OR_BATCH)));
      for (const parent of parents) {
        const key = normaliseDn(parent.dn);
        if (seen.has(key)) continue;
        seen.set(key, parent);
        next.push(parent.dn);
      }
    }
    if (next.length > 0) trace?.({ step: 'nested-groups', ok: true, message: `level ${depth}: ${next.join('; ')}` });
    frontier = next;
  }
  if (frontier.length > 0) trace?.({ step: 'nested-groups', ok: false, message: `stopped at nestedGroupsMaxDepth ${config.nestedGroupsMaxDepth}; deeper parents ignored` });
  return { entries: [...seen.values()], truncated: frontier.length > 0 };
}

export async function resolveGroups(
  connection: LdapConnection,
  config: GroupConfig,
  user: LdapEntry,
  activeDirectory: () => Promise<boolean>,
  trace?: Trace,
): Promise<GroupResult> {
  if (config.groupSearchBaseDN === undefined) {
    trace?.({ step: 'groups', ok: true, message: 'groupSearchBaseDN not set: groups are not read' });
    return { direct: [], all: [], truncated: false };
  }
  const directEntries = await directGroups(connection, config, user);
  const direct = sortGroups(directEntries.map((e) => entryToGroup(e, config)));
  trace?.({ step: 'groups', ok: true, message: `direct groups (${config.groupMembership}): ${direct.map((g) => g.name).join(', ') || 'none'}`, data: { groups: direct } });
  if (!config.nestedGroups) return { direct, all: direct, truncated: false };

  if (await activeDirectory()) {
    const entries = await searchGroups(connection, config, groupsInChainFilter(config, config.groupMemberAttribute, user.dn));
    const all = sortGroups(entries.map((e) => entryToGroup(e, config)));
    trace?.({ step: 'nested-groups', ok: true, message: `in-chain rule (Active Directory): ${all.map((g) => g.name).join(', ') || 'none'}`, data: { groups: all } });
    return { direct, all, truncated: false };
  }
  const { entries, truncated } = await expand(connection, config, directEntries, trace);
  const all = sortGroups(entries.map((e) => entryToGroup(e, config)));
  trace?.({ step: 'nested-groups', ok: !truncated, message: `after expansion: ${all.map((g) => g.name).join(', ') || 'none'}`, data: { groups: all } });
  return { direct, all, truncated };
}
