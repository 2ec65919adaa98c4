/** Builds the configured providers. Each provider type lives in its own folder. */
import type { LoadedConfig, ProviderConfig } from '../config/index.ts';
import { providerId } from '../config/index.ts';
import type { Logger } from '../log/index.ts';
import type { PasswordProvider } from './identity.ts';
import { createLocalProvider, type LocalUser } from './local/index.ts';

export interface ProviderEntry {
  id: string;
  config: ProviderConfig;
  /** Groups a user must be in to log in (empty = anyone the provider accepts). */
  permittedLoginGroups: readonly string[];
  membershipUpdateInterval: number;
  password?: PasswordProvider;
}

export interface ProviderDeps {
  loaded: LoadedConfig;
  logger: Logger;
  demoUsers?: LocalUser[];
}

export async function createProviders(deps: ProviderDeps): Promise<ProviderEntry[]> {
  const entries: ProviderEntry[] = [];
  for (const config of deps.loaded.config.auth.providers) {
    entries.push(await createProvider(config, deps));
  }
  if (deps.demoUsers && deps.demoUsers.length > 0 && !entries.some((e) => e.id === 'demo')) {
    const demo = createLocalProvider({ id: 'demo', name: 'Demo account', usersFile: '', extraUsers: deps.demoUsers });
    entries.unshift({
      id: 'demo',
      config: { type: 'local', id: 'demo', name: 'Demo account', usersFile: '', permittedLoginGroups: [], membershipUpdateInterval: 4 * 3_600_000 },
      permittedLoginGroups: [],
      membershipUpdateInterval: 4 * 3_600_000,
      password: demo,
    });
  }
  return entries;
}

async function createProvider(config: ProviderConfig, deps: ProviderDeps): Promise<ProviderEntry> {
  const id = providerId(config);
  switch (config.type) {
    case 'local':
      return {
        id,
        config,
        permittedLoginGroups: config.permittedLoginGroups,
        membershipUpdateInterval: config.membershipUpdateInterval,
        password: createLocalProvider({ id, name: config.name, usersFile: deps.loaded.resolvePath(config.usersFile) }),
      };
  }
}
