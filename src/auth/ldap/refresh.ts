/**
 * Re-reading a signed-in user's entry and groups with the service account, without the
 * password: the user is found again by unique id (DN, AD `<GUID=...>`, or an attribute).
 */
import type { Identity, Profile, RefreshOutcome } from '../../core/index.ts';
import type { LdapConnection } from './client.ts';
import type { LdapEntry } from './entry.ts';
import { and, equals, userBaseFilter } from '../../ldap-syntax/index.ts';
import { isGuidAttribute } from './guid.ts';
import { completeProfile, userAttributes } from './login.ts';
import type { LdapRuntime } from './runtime.ts';
import type { Trace } from './trace.ts';

async function findByUniqueId(rt: LdapRuntime, connection: LdapConnection, uniqueId: string): Promise<LdapEntry[]> {
  const attribute = rt.config.uniqueIdAttribute;
  const attributes = userAttributes(rt);
  if (attribute.toLowerCase() === 'dn' || isGuidAttribute(attribute)) {
    const base = attribute.toLowerCase() === 'dn' ? uniqueId : `<GUID=${uniqueId}>`;
    const { entries } = await connection.search({ base, scope: 'base', filter: userBaseFilter(rt.config), attributes, missingBaseIsEmpty: true });
    return entries;
  }
  const filter = and(userBaseFilter(rt.config), equals(attribute, uniqueId));
  const { entries } = await connection.search({ base: rt.config.userSearchBaseDN, scope: 'sub', filter, attributes, sizeLimit: 2 });
  return entries;
}

/**
 * `user-gone` when the entry no longer exists (or matches the user filter), `account-disabled`
 * when disabled/locked/expired (detail says which). Permitted groups are the caller's admit().
 * Directory errors are thrown (AuthgateError ERR_LDAP_*): the caller applies the grace period.
 */
export async function refreshIdentity(rt: LdapRuntime, identity: Identity, trace?: Trace): Promise<RefreshOutcome> {
  const pool = rt.pool;
  if (!pool) throw new TypeError('refresh needs a service account or anonymousBind (single bind cannot refresh)');
  return pool.withConnection(async (connection) => {
    const entries = await findByUniqueId(rt, connection, identity.uniqueId);
    if (entries.length !== 1) {
      trace?.({ step: 'entry', ok: false, message: `user ${identity.uniqueId} not found` });
      return { ok: false, reason: 'user-gone', detail: entries.length === 0 ? 'entry no longer found' : 'unique id matches several entries' } as const;
    }
    const completed = await completeProfile(rt, entries[0] as LdapEntry, connection, trace);
    if (completed.ok) return completed;
    if (completed.reason === 'provider-unavailable') return { ok: false, reason: 'user-gone', detail: completed.detail } as const;
    return { ok: false, reason: 'account-disabled', detail: completed.detail } as const;
  }, trace);
}

/**
 * Finds a user by email with the service account (OIDC `groupsFrom: ldap`): the profile with
 * groups, or undefined when no single enabled entry has that address.
 */
export async function lookupByEmail(rt: LdapRuntime, email: string, trace?: Trace): Promise<Profile | undefined> {
  const pool = rt.pool;
  if (!pool) throw new TypeError('lookupByEmail needs a service account or anonymousBind');
  const filter = and(userBaseFilter(rt.config), equals(rt.config.userEmailAttribute ?? 'mail', email));
  return pool.withConnection(async (connection) => {
    const { entries } = await connection.search({ base: rt.config.userSearchBaseDN, scope: 'sub', filter, attributes: userAttributes(rt), sizeLimit: 2 });
    if (entries.length !== 1) {
      trace?.({ step: 'entry', ok: false, message: `${entries.length} entries have email ${email}` });
      return undefined;
    }
    const completed = await completeProfile(rt, entries[0] as LdapEntry, connection, trace);
    return completed.ok ? completed.profile : undefined;
  }, trace);
}
