/**
 * `authgate ldap-test --config FILE --user NAME [--provider ID]`: runs a real login against
 * an LDAP provider and prints every step (server tried, bind, filter, entry, attributes,
 * groups, nested groups, permitted?, role). The password comes from stdin (or a prompt on a
 * terminal), never from argv, and is never printed. Exit 0 = login succeeded, 1 = refused
 * or failed, 2 = usage or configuration error.
 */
import { loadConfigFile, formatIssues, providerId, readSecret } from '../config/index.ts';
import type { LdapProviderConfig } from '../config/schema/ldap.ts';
import { diagnoseLdapLogin, type TraceEvent } from '../auth/ldap/index.ts';
import type { AuthorizationConfig } from '../policy/roles.ts';
import { systemAccountProblems } from '../privileges/index.ts';
import { parseArgs, stringFlag } from './args.ts';
import { readStdin, type CliIo } from './io.ts';

const USAGE = 'usage: authgate ldap-test --config FILE --user NAME [--provider ID]   (password on stdin)\n';

/** Reads a password: a line typed without echo on a terminal, else all of stdin minus one trailing newline. */
async function readPassword(io: CliIo, username: string): Promise<string> {
  const stdin = io.stdin as CliIo['stdin'] & { setRawMode?: (raw: boolean) => void };
  if (!stdin.isTTY || typeof stdin.setRawMode !== 'function') return (await readStdin(io)).replace(/\r?\n$/, '');
  io.stderr.write(`Password for ${username}: `);
  stdin.setRawMode(true);
  try {
    let password = '';
    for await (const chunk of stdin) {
      for (const char of chunk.toString()) {
        if (char === '\r' || char === '\n') return password;
        if (char === '\u0003') throw new Error('interrupted');
        password = char === '\u007f' ? password.slice(0, -1) : password + char;
      }
    }
    return password;
  } finally {
    stdin.setRawMode(false);
    io.stderr.write('\n');
  }
}

function pickProvider(providers: readonly { type: string }[], wanted: string | undefined): { provider?: LdapProviderConfig; error?: string } {
  const ldap = providers.filter((p): p is LdapProviderConfig => p.type === 'ldap');
  const ids = ldap.map((p) => providerId(p));
  if (ldap.length === 0) return { error: 'the configuration has no provider of type ldap' };
  if (wanted === undefined) {
    if (ldap.length === 1) return { provider: ldap[0] as LdapProviderConfig };
    return { error: `several ldap providers (${ids.join(', ')}); choose one with --provider ID` };
  }
  const found = ldap.find((p) => providerId(p) === wanted);
  return found ? { provider: found } : { error: `no ldap provider with id "${wanted}" (have: ${ids.join(', ')})` };
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv);
  const file = stringFlag(args, 'config');
  const username = stringFlag(args, 'user');
  if (!file || !username || args.flags.has('password')) {
    io.stderr.write(args.flags.has('password') ? 'ldap-test: passwords are read from stdin, never from the command line\n' : USAGE);
    return 2;
  }
  const loaded = loadConfigFile(file, { env: io.env, cwd: io.cwd, accountProblems: systemAccountProblems });
  if (!loaded.ok) {
    io.stderr.write(`${formatIssues(loaded.issues, file)}\n`);
    return 2;
  }
  const { config, env, resolvePath } = loaded.loaded;
  const picked = pickProvider(config.auth.providers, stringFlag(args, 'provider'));
  if (!picked.provider) {
    io.stderr.write(`ldap-test: ${picked.error}\n`);
    return 2;
  }
  const provider = { ...picked.provider, id: providerId(picked.provider) };
  if (provider.tlsCACertificate !== undefined) provider.tlsCACertificate = resolvePath(provider.tlsCACertificate);
  const password = await readPassword(io, username);
  io.stdout.write(`provider ${provider.id} (${provider.name}), user ${JSON.stringify(username)}\n`);
  const print = (event: TraceEvent): void => {
    io.stdout.write(`[${event.step}] ${event.ok ? 'ok  ' : 'FAIL'} ${event.message}\n`);
  };
  const result = await diagnoseLdapLogin(
    provider,
    { readSecret: (section, name) => readSecret(section, name, provider.id, { env, resolvePath }) },
    { username, password, authorization: config.authorization as AuthorizationConfig },
    print,
  );
  if (result.outcome.ok) {
    io.stdout.write(`login OK: ${result.outcome.profile.username} (${result.outcome.profile.uniqueId}), role ${result.role ?? '?'}\n`);
    return 0;
  }
  io.stdout.write(`login refused: ${result.outcome.reason}${result.outcome.detail ? ` (${result.outcome.detail})` : ''}\n`);
  return 1;
}
