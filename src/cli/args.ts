/** Minimal flag parsing for subcommands: `--name value`, `--name=value`, `--flag`. */
export interface ParsedArgs {
  flags: Map<string, string | true>;
  positional: string[];
}

export function parseArgs(argv: readonly string[], booleanFlags: readonly string[] = []): ParsedArgs {
  const flags = new Map<string, string | true>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq === -1 ? undefined : eq);
      if (eq !== -1) flags.set(name, arg.slice(eq + 1));
      else if (booleanFlags.includes(name) || i + 1 >= argv.length || (argv[i + 1] as string).startsWith('--')) flags.set(name, true);
      else flags.set(name, argv[++i] as string);
    } else positional.push(arg);
  }
  return { flags, positional };
}

export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const value = args.flags.get(name);
  return typeof value === 'string' ? value : undefined;
}
