/** The `local` provider: accounts from a YAML users file, re-read when the file changes. */
import { statSync } from 'node:fs';
import type { Identity, PasswordOutcome, PasswordProvider, Profile, RefreshOutcome } from '../../core/index.ts';
import { DUMMY_HASH_PROMISE, verifyPassword } from './password.ts';
import { readUsersFile, type LocalUser } from './users-file.ts';

export interface LocalProviderOptions {
  id: string;
  name: string;
  usersFile: string;
  /** Extra users not in the file (the demo account). */
  extraUsers?: LocalUser[];
}

export function createLocalProvider(options: LocalProviderOptions): PasswordProvider {
  let users = new Map<string, LocalUser>();
  let stamp = '';
  const load = () => {
    if (options.usersFile === '') {
      if (stamp === '') users = new Map((options.extraUsers ?? []).map((u) => [u.username, u]));
      stamp = 'none';
      return;
    }
    let next = '';
    try {
      const s = statSync(options.usersFile);
      next = `${s.mtimeMs}:${s.size}:${s.ino}`;
    } catch {
      next = 'missing';
    }
    if (next === stamp) return;
    const result = readUsersFile(options.usersFile);
    if ('problems' in result) {
      if (stamp === '') throw new TypeError(`users file ${options.usersFile}: ${result.problems.join('; ')}`);
      return; // keep the last good file; the reload is retried on the next login
    }
    stamp = next;
    users = result.users;
    for (const extra of options.extraUsers ?? []) users.set(extra.username, extra);
  };
  load();
  const profileOf = (user: LocalUser): Profile => ({
    provider: options.id,
    uniqueId: `${options.id}:${user.username}`,
    username: user.username,
    ...(user.email ? { email: user.email } : {}),
    ...(user.firstName ? { firstName: user.firstName } : {}),
    ...(user.lastName ? { lastName: user.lastName } : {}),
    groups: user.groups.map((name) => ({ name })),
    roleValues: [],
    ...(user.role ? { fixedRole: user.role } : {}),
  });
  return {
    kind: 'password',
    id: options.id,
    name: options.name,
    async authenticate(username, password): Promise<PasswordOutcome> {
      load();
      const user = users.get(username);
      const ok = await verifyPassword(password, user?.passwordHash ?? (await DUMMY_HASH_PROMISE));
      if (!user) return { ok: false, reason: 'bad-credentials' };
      if (!ok) return { ok: false, reason: 'bad-credentials', uniqueId: profileOf(user).uniqueId };
      if (user.disabled) return { ok: false, reason: 'account-disabled' };
      return { ok: true, profile: profileOf(user) };
    },
    async refresh(identity: Identity): Promise<RefreshOutcome> {
      load();
      const user = users.get(identity.username);
      if (!user) return { ok: false, reason: 'user-gone' };
      if (user.disabled) return { ok: false, reason: 'account-disabled' };
      return { ok: true, profile: profileOf(user) };
    },
  };
}
