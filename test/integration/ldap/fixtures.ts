/** Config builders and helpers shared by the LDAP integration tests. */
import { slapdProviderInput } from '../../support/slapd.ts';
import { ldapProviderSchema, type LdapProviderConfig, type LdapProviderInput } from '../../../src/config/schema/ldap.ts';
import { createLdapProvider, type LdapPasswordProvider, type TraceEvent } from '../../../src/auth/ldap/index.ts';
import type { LdapProviderDeps } from '../../../src/auth/ldap/runtime.ts';
import type { Slapd } from '../../support/slapd.ts';
import { admit } from '../../../src/auth/admit.ts';
import type { AuthorizationConfig } from '../../../src/policy/roles.ts';
import type { PasswordOutcome, RefreshOutcome } from '../../../src/core/identity.ts';

export const CONTEXT = { clientIp: '127.0.0.1', requestId: 'test' };

/** Inline secrets only: tests give bindPassword directly. */
export const readSecret: LdapProviderDeps['readSecret'] = (section, name) => ({ value: section[name] as string | undefined });

export function slapdConfig(slapd: Slapd, overrides: Partial<LdapProviderInput> = {}): LdapProviderConfig {
  return ldapProviderSchema.parse(slapdProviderInput(slapd, { bindPassword: slapd.bindPassword }, { connectTimeout: '2s', operationTimeout: '5s', ...overrides }));
}

export function provider(config: LdapProviderConfig, deps: Partial<LdapProviderDeps> = {}): LdapPasswordProvider {
  return createLdapProvider(config, { readSecret, ...deps });
}

/** Runs one traced login and returns the outcome with the trace. */
export async function traced(p: LdapPasswordProvider, username: string, password: string) {
  const events: TraceEvent[] = [];
  const outcome = await p.authenticateTraced(username, password, (event) => events.push(event));
  return { outcome, events, text: events.map((e) => `${e.step} ${e.ok ? 'ok' : 'FAIL'} ${e.message}`).join('\n') };
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function groupNames(outcome: { ok: boolean; profile?: { groups: { name: string }[] } }): string[] {
  return outcome.ok && outcome.profile ? outcome.profile.groups.map((g) => g.name) : [];
}

const VIEWERS_ONLY: AuthorizationConfig = { defaultUserRole: 'viewer', userRoleGroupMapping: false, userRoleMapping: false, viewerRoleMapping: [], publisherRoleMapping: [], administratorRoleMapping: [], userRoleMappingRestrictive: false };

/**
 * A login or refresh as authgate judges it: the provider's outcome, then admit() with the
 * provider's permittedLoginGroups (providers never decide "not permitted" themselves).
 */
export async function judged(p: LdapPasswordProvider, outcome: Promise<PasswordOutcome | RefreshOutcome | undefined> | undefined) {
  const result = await outcome;
  if (!result?.ok) return result;
  const admitted = admit(result.profile, [p.config.permittedLoginGroups], VIEWERS_ONLY, 0);
  return admitted.ok ? result : { ok: false as const, reason: admitted.reason };
}
