/** Builds the configured providers. Each provider type lives in its own folder. */
import { readFileSync } from 'node:fs';
import type { LoadedConfig, ProviderConfig, LdapProviderConfig } from '../config/index.ts';
import { providerId, readSecret } from '../config/index.ts';
import type { Logger } from '../observability/index.ts';
import type { Metrics } from '../observability/index.ts';
import type { PermittedGroups } from './admit.ts';
import type { PasswordProvider, Profile } from '../core/index.ts';
import { createLocalProvider, type LocalUser } from './local/index.ts';
import { createLdapProvider, type LdapPasswordProvider } from './ldap/index.ts';
import { createOidcProvider, type OidcProvider } from './oidc/index.ts';

const DEFAULT_OIDC_REFRESH_MS = 3_600_000;

export interface ProviderEntry {
  id: string;
  config: ProviderConfig;
  /** Groups a user must be in to log in, judged by admit() (no list = anyone the provider accepts). */
  permittedLoginGroups: PermittedGroups;
  membershipUpdateInterval: number;
  /** Directory outage tolerated during a refresh before the session ends. */
  refreshGracePeriod: number;
  password?: PasswordProvider;
  oidc?: OidcProvider;
}

export interface ProviderDeps {
  loaded: LoadedConfig;
  logger: Logger;
  publicUrl: URL;
  metrics?: Metrics;
  demoUsers?: LocalUser[];
}

export async function createProviders(deps: ProviderDeps): Promise<ProviderEntry[]> {
  const entries: ProviderEntry[] = [];
  const ldapById = new Map<string, LdapPasswordProvider>();
  for (const config of deps.loaded.config.auth.providers) {
    if (config.type !== 'ldap') continue;
    const entry = ldapEntry(config, deps);
    ldapById.set(entry.id, entry.password as LdapPasswordProvider);
  }
  for (const config of deps.loaded.config.auth.providers) {
    const id = providerId(config);
    if (config.type === 'local') {
      entries.push({
        id,
        config,
        permittedLoginGroups: [config.permittedLoginGroups],
        membershipUpdateInterval: config.membershipUpdateInterval,
        refreshGracePeriod: config.refreshGracePeriod,
        password: createLocalProvider({ id, name: config.name, usersFile: deps.loaded.resolvePath(config.usersFile) }),
      });
    } else if (config.type === 'ldap') {
      const password = ldapById.get(id) as LdapPasswordProvider;
      entries.push({ id, config, permittedLoginGroups: [config.permittedLoginGroups], membershipUpdateInterval: config.membershipUpdateInterval, refreshGracePeriod: config.refreshGracePeriod, password });
    } else {
      const directory = config.groupsFrom === 'ldap' ? pickLdap(ldapById, config.groupsFromProvider) : undefined;
      const oidc = createOidcProvider(config, {
        redirectUri: new URL(`/__authgate__/callback/${id}`, deps.publicUrl).href,
        readSecret: (name) => readSecret(config as Record<string, unknown>, name, id, deps.loaded).value,
        readFile: (file) => readFileSync(deps.loaded.resolvePath(file), 'utf8'),
        ...(directory ? { lookupByEmail: (email: string) => lookupByEmail(directory, email) } : {}),
        logger: deps.logger,
      });
      // Groups from a directory: its permittedLoginGroups apply to these users too.
      const permitted = directory ? [config.permittedLoginGroups, directory.config.permittedLoginGroups] : [config.permittedLoginGroups];
      entries.push({ id, config, permittedLoginGroups: permitted, membershipUpdateInterval: config.membershipUpdateInterval ?? DEFAULT_OIDC_REFRESH_MS, refreshGracePeriod: config.refreshGracePeriod, oidc });
    }
  }
  if (deps.demoUsers && deps.demoUsers.length > 0 && !entries.some((e) => e.id === 'demo')) {
    entries.unshift({
      id: 'demo',
      config: { type: 'local', id: 'demo', name: 'Demo account', usersFile: '', permittedLoginGroups: [], membershipUpdateInterval: 4 * 3_600_000, refreshGracePeriod: 15 * 60_000 },
      permittedLoginGroups: [],
      membershipUpdateInterval: 4 * 3_600_000,
      refreshGracePeriod: 15 * 60_000,
      password: createLocalProvider({ id: 'demo', name: 'Demo account', usersFile: '', extraUsers: deps.demoUsers }),
    });
  }
  return entries;
}

function ldapEntry(config: LdapProviderConfig, deps: ProviderDeps): { id: string; password: PasswordProvider } {
  const id = providerId(config);
  const metrics = deps.metrics;
  const password = createLdapProvider({ ...config, id }, {
    readSecret: (section, name) => readSecret(section, name, id, deps.loaded),
    logger: deps.logger,
    ...(metrics
      ? {
          metrics: {
            operation: (provider, operation, seconds, ok) => metrics.ldapOperations.observe({ provider, operation, outcome: ok ? 'ok' : 'error' }, seconds),
            poolSize: (provider, size) => metrics.ldapPoolConnections.set({ provider }, size),
          },
        }
      : {}),
  });
  return { id, password };
}

function pickLdap(ldap: Map<string, LdapPasswordProvider>, wanted: string | undefined): LdapPasswordProvider | undefined {
  if (wanted) return ldap.get(wanted);
  return ldap.size === 1 ? [...ldap.values()][0] : undefined;
}

async function lookupByEmail(directory: LdapPasswordProvider, email: string): Promise<Profile | undefined> {
  const lookup = (directory as { lookupByEmail?: (email: string) => Promise<Profile | undefined> }).lookupByEmail;
  if (!lookup) throw new TypeError(`LDAP provider ${directory.id} cannot look users up by email`);
  return lookup.call(directory, email);
}
