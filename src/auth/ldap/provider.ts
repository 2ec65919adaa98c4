/** The `ldap` PasswordProvider: login, refresh (coalesced per user), health and close. */
import type { Identity, LoginContext, PasswordOutcome, PasswordProvider, Profile, RefreshOutcome } from '../../core/index.ts';
import type { LdapProviderConfig } from '../../config/schema/ldap.ts';
import { login } from './login.ts';
import { lookupByEmail, refreshIdentity } from './refresh.ts';
import { createRuntime, type LdapProviderDeps, type LdapRuntime } from './runtime.ts';
import type { Trace } from './trace.ts';

export interface LdapPasswordProvider extends PasswordProvider {
  readonly config: LdapProviderConfig;
  /** login with a step-by-step trace (used by `authgate ldap-test`). */
  authenticateTraced(username: string, password: string, trace: Trace): Promise<PasswordOutcome>;
  /** With a service account: the enabled user with this email (OIDC `groupsFrom: ldap`). */
  lookupByEmail?(email: string): Promise<Profile | undefined>;
}

export function createLdapProvider(config: LdapProviderConfig, deps: LdapProviderDeps): LdapPasswordProvider {
  const rt: LdapRuntime = createRuntime(config, deps);
  const inflight = new Map<string, Promise<RefreshOutcome>>();

  const run = async (username: string, password: string, extra?: Trace): Promise<PasswordOutcome> => {
    const started = rt.clock();
    const outcome = await login(rt, username, password, rt.trace(extra));
    rt.metrics?.loginOutcome?.(rt.id, outcome.ok ? 'success' : outcome.reason);
    rt.metrics?.operation?.(rt.id, 'login', (rt.clock() - started) / 1000, outcome.ok || outcome.reason !== 'provider-unavailable');
    rt.metrics?.poolSize?.(rt.id, (rt.pool?.size ?? 0) + rt.bindPool.size);
    return outcome;
  };

  const provider: LdapPasswordProvider = {
    kind: 'password',
    id: rt.id,
    name: config.name,
    config,
    authenticate: (username: string, password: string, _context: LoginContext) => run(username, password),
    authenticateTraced: (username, password, trace) => run(username, password, trace),
    async health() {
      if (!rt.pool) return { ok: true, detail: 'single bind: checked at login' };
      try {
        await rt.pool.withConnection((c) => c.search({ base: '', scope: 'base', filter: '(objectClass=*)', attributes: ['1.1'] }));
        return { ok: true };
      } catch (error) {
        return { ok: false, detail: (error as Error).message };
      }
    },
    async close() {
      await Promise.all([rt.pool?.close(), rt.bindPool.close()]);
    },
  };
  if (rt.pool) {
    provider.lookupByEmail = (email: string) => lookupByEmail(rt, email, rt.trace());
    provider.refresh = (identity: Identity): Promise<RefreshOutcome> => {
      const key = identity.uniqueId;
      const running = inflight.get(key);
      if (running) return running;
      const promise = refreshIdentity(rt, identity, rt.trace())
        .then((outcome) => {
          rt.metrics?.refreshOutcome?.(rt.id, outcome.ok ? 'success' : outcome.reason);
          return outcome;
        }, (error: unknown) => {
          rt.metrics?.refreshOutcome?.(rt.id, 'unavailable');
          throw error;
        })
        .finally(() => inflight.delete(key));
      inflight.set(key, promise);
      return promise;
    };
  }
  return provider;
}
