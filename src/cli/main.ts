/** The `authgate` command: dispatches to one module per subcommand. */
import { processIo, type Command } from './io.ts';

const COMMANDS: Record<string, { summary: string; load: () => Promise<{ run: Command }> }> = {
  serve: { summary: 'run the proxy: serve --config FILE', load: () => import('./serve.ts') },
  'check-config': { summary: 'validate a configuration: check-config --config FILE', load: () => import('./check-config.ts') },
  schema: { summary: 'print the configuration JSON Schema', load: () => import('./schema.ts') },
  'hash-password': { summary: 'hash a password read from stdin for a local users file', load: () => import('./hash-password.ts') },
  'import-connect': { summary: 'convert an RStudio Connect gcfg into authgate YAML: import-connect FILE', load: () => import('./import-connect.ts') },
  'ldap-test': { summary: 'debug an LDAP login step by step: ldap-test --config FILE --user NAME [--provider ID] (password on stdin)', load: () => import('./ldap-test.ts') },
  'workbench-secret': { summary: 'write a secret username header name for Workbench and print the rserver.conf lines: workbench-secret --out FILE [--public-url URL]', load: () => import('./workbench-secret.ts') },
  'whoami-upstream': { summary: 'run the diagnostic upstream that shows what it receives', load: () => import('./whoami-upstream.ts') },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(16)} ${c.summary}`);
  return `usage: authgate <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}

export async function main(argv: string[], io = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage());
    return name ? 0 : 2;
  }
  if (name === '--version') {
    io.stdout.write('authgate 0.1.0\n');
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr.write(`authgate: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  const module = await command.load();
  return module.run(rest, io);
}
