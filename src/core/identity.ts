/** The core identity types every provider produces and every later stage consumes. */

export const ROLES = ['viewer', 'publisher', 'administrator'] as const;
export type Role = (typeof ROLES)[number];

export function roleRank(role: Role): number {
  return ROLES.indexOf(role);
}

/** A group as a provider knows it: LDAP groups have a DN and an id, OIDC groups only a name. */
export interface GroupRef {
  /** Display name forwarded to the upstream (LDAP groupNameAttribute, or the claim value). */
  name: string;
  /** Distinguished name, LDAP only. */
  dn?: string;
  /** Stable id (groupUniqueIdAttribute), LDAP only. */
  id?: string;
}

/** Who a user is, the part a Profile and an Identity share. */
interface Person {
  /** Provider id from the config; part of the user's identity. */
  provider: string;
  /** Stable id: AD objectGUID as a GUID string, OpenLDAP entryUUID, OIDC sub, or the DN. */
  uniqueId: string;
  username: string;
  email?: string;
  firstName?: string;
  lastName?: string;
}

/**
 * What a provider learned about a user, before authorization (permitted groups, role
 * mapping) turns it into an Identity.
 */
export interface Profile extends Person {
  groups: GroupRef[];
  /** Values of userRoleAttribute / roleClaim, for userRoleMapping. */
  roleValues: string[];
  /** A role fixed by the provider itself (local users file `role:`); wins over mapping. */
  fixedRole?: Role;
}

export interface Identity extends Person {
  /** Group names (display names) forwarded to the upstream. */
  groups: string[];
  role: Role;
  /** Seconds since the epoch. */
  authTime: number;
  /** Seconds since the epoch: when groups and attributes were last read from the provider. */
  refreshedAt: number;
}

/**
 * Outcome of checking a username and password. A failure is a value, not an exception. Whether
 * the user is permitted is never the provider's call: admit() decides that for every provider.
 */
export type PasswordOutcome =
  | { ok: true; profile: Profile }
  | {
      ok: false;
      reason: LoginFailureReason;
      detail?: string;
      /** The account the username matched, when the provider found exactly one (throttling counts against it). */
      uniqueId?: string;
    };

type LoginFailureReason =
  | 'bad-credentials'
  | 'username-invalid'
  | 'account-disabled'
  | 'ambiguous-user'
  | 'throttled'
  | 'provider-unavailable';

/** Outcome of re-reading a user's groups and attributes during a session. */
export type RefreshOutcome =
  | { ok: true; profile: Profile }
  | { ok: false; reason: 'user-gone' | 'account-disabled'; detail?: string };

export interface LoginContext {
  clientIp: string;
  requestId: string;
}

/** A provider that checks a username and password (local accounts, LDAP). */
export interface PasswordProvider {
  readonly kind: 'password';
  readonly id: string;
  readonly name: string;
  authenticate(username: string, password: string, context: LoginContext): Promise<PasswordOutcome>;
  /** Re-read the user's groups and attributes without the password; absent = nothing to refresh. */
  refresh?(identity: Identity): Promise<RefreshOutcome>;
  /** Provider health for readyz. */
  health?(): Promise<{ ok: boolean; detail?: string }>;
  close?(): Promise<void>;
}
