/**
 * `authgate ldap-test`: the same steps as a real login, each reported as it happens
 * (server tried, bind, filter, entry, attributes, groups, nested groups, permitted?, role).
 * Passwords are never part of a report.
 */
import type { LdapProviderConfig } from '../../config/schema/ldap.ts';
import { resolveRole, type AuthorizationConfig } from '../../policy/roles.ts';
import type { PasswordOutcome } from '../identity.ts';
import { createLdapProvider } from './provider.ts';
import type { LdapProviderDeps } from './runtime.ts';
import type { TraceEvent } from './trace.ts';

export interface DiagnoseResult {
  outcome: PasswordOutcome;
  role?: string;
}

export async function diagnoseLdapLogin(
  config: LdapProviderConfig,
  deps: LdapProviderDeps,
  input: { username: string; password: string; authorization?: AuthorizationConfig | undefined },
  report: (event: TraceEvent) => void,
): Promise<DiagnoseResult> {
  const safeReport = (event: TraceEvent): void => {
    // defence in depth: a message never carries the password, whatever a step wrote
    const message = input.password.length >= 3 ? event.message.split(input.password).join('********') : event.message;
    report({ ...event, message });
  };
  const provider = createLdapProvider({ ...config, logging: false }, { ...deps, logger: undefined });
  try {
    const outcome = await provider.authenticateTraced(input.username, input.password, safeReport);
    if (!outcome.ok || !input.authorization) return { outcome };
    const role = resolveRole(outcome.profile, input.authorization);
    safeReport({ step: 'role', ok: true, message: `${role.role} (${role.source}${role.matched.length ? `: ${role.matched.join('; ')}` : ''})` });
    return { outcome, role: role.role };
  } finally {
    await provider.close?.();
  }
}
