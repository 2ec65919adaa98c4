/**
 * Several LDAP providers for one login form (for example two forests): try each in order and
 * accept the first that authenticates; the user is identified by (provider, uniqueId). Pure
 * orchestration over PasswordProvider.
 */
import type { LoginContext, LoginFailureReason, PasswordOutcome, PasswordProvider } from '../../core/index.ts';

/** Which failure to report when every provider failed: the most specific one. */
const PRECEDENCE: LoginFailureReason[] = ['account-disabled', 'ambiguous-user', 'provider-unavailable', 'throttled', 'username-invalid', 'bad-credentials'];

export async function authenticateInOrder(
  providers: readonly PasswordProvider[],
  username: string,
  password: string,
  context: LoginContext,
): Promise<PasswordOutcome & { provider?: string }> {
  const failures: (PasswordOutcome & { ok: false; provider: string })[] = [];
  for (const provider of providers) {
    const outcome = await provider.authenticate(username, password, context);
    if (outcome.ok) return { ...outcome, provider: provider.id };
    // a refused username or password format fails everywhere alike: stop early
    if (outcome.reason === 'username-invalid') return { ...outcome, provider: provider.id };
    failures.push({ ...outcome, provider: provider.id });
  }
  const worst = [...failures].sort((a, b) => PRECEDENCE.indexOf(a.reason) - PRECEDENCE.indexOf(b.reason))[0];
  return worst ?? { ok: false, reason: 'bad-credentials', detail: 'no provider configured' };
}
