/** `authgate check-config --config FILE`: every problem at once (exit 1), or "ok". */
import { formatIssues, loadConfigFile } from '../config/index.ts';
import { systemAccountProblems } from '../privileges/index.ts';
import type { CliIo } from './io.ts';
import { parseArgs, stringFlag } from './args.ts';

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv);
  const file = stringFlag(args, 'config') ?? args.positional[0];
  if (!file) {
    io.stderr.write('usage: authgate check-config --config FILE\n');
    return 2;
  }
  const result = loadConfigFile(file, { env: io.env, cwd: io.cwd, accountProblems: systemAccountProblems });
  if (!result.ok) {
    const errors = result.issues.filter((i) => i.severity === 'error').length;
    io.stderr.write(`${formatIssues(result.issues, file)}\n${errors} error${errors === 1 ? '' : 's'} in ${file}\n`);
    return 1;
  }
  if (result.loaded.warnings.length > 0) io.stderr.write(`${formatIssues(result.loaded.warnings, file)}\n`);
  io.stdout.write('ok\n');
  return 0;
}
