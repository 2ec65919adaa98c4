/**
 * `authgate ldap-test`: the same steps as a real login, each reported as it happens
 * (server tried, bind, filter, entry, attributes, groups, nested groups, permitted?, role).
 * Passwords are never part of a report.
 */
import type { LdapProviderConfig } from '../../config/schema/ldap.ts';
import type { AuthorizationConfig } from '../../policy/roles.ts';
import { admit } from '../admit.ts';
import type { PasswordOutcome } from '../../core/index.ts';
import { createLdapProvider } from './provider.ts';
import type { LdapProviderDeps } from './runtime.ts';
import type { TraceEvent } from './trace.ts';

export interface DiagnoseResult {
  /** The provider's outcome, or the refusal of admit() (the same judgement a real login gets). */
  outcome: PasswordOutcome | { ok: false; reason: 'not-permitted'; detail: string };
  role?: string;
}

export async function diagnoseLdapLogin(
  config: LdapProviderConfig,
  deps: LdapProviderDeps,
  input: { username: string; password: string; authorization: AuthorizationConfig; nowSeconds?: number },
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
    if (!outcome.ok) return { outcome };
    const admitted = admit(outcome.profile, [config.permittedLoginGroups], input.authorization, input.nowSeconds ?? Math.floor(Date.now() / 1000));
    if (!admitted.ok) {
      safeReport({ step: 'permitted', ok: false, message: `not a member of any permittedLoginGroups (${admitted.required.join('; ')})` });
      return { outcome: { ok: false, reason: 'not-permitted', detail: `${outcome.profile.username} is not in permittedLoginGroups` } };
    }
    const through = admitted.permittedThrough;
    safeReport({ step: 'permitted', ok: true, message: through.length ? `permitted through ${through.join('; ')}` : 'permitted (no permittedLoginGroups configured)' });
    const matched = admitted.roleMatched;
    safeReport({ step: 'role', ok: true, message: `${admitted.identity.role} (${admitted.roleSource}${matched.length ? `: ${matched.join('; ')}` : ''})` });
    return { outcome, role: admitted.identity.role };
  } finally {
    await provider.close?.();
  }
}
