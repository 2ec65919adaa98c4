/**
 * `authgate import-connect FILE [--write-secrets DIR] [--output FILE]`
 *
 * Converts an RStudio / Posit Connect configuration into authgate's YAML: the YAML goes to
 * stdout (or --output), the report (values to fill in, keys left out, notes, the
 * Connect-side settings) to stderr. Exit code: 0 everything translated, 2 something left
 * out or to fill in, 1 error. Secrets are never printed; --write-secrets writes them to
 * files with mode 0600.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { CliIo } from './io.ts';
import { isAuthgateError, describeError } from '../core/index.ts';
import { convertConnect, parseGcfg, writeSecretFiles, type ConnectConversion, type Finding, type WrittenSecret } from '../connect/index.ts';

const USAGE = `Usage: authgate import-connect FILE [--write-secrets DIR] [--output FILE]

Converts RStudio / Posit Connect's rstudio-connect.gcfg ([LDAP "…"], [OAuth2],
[Authorization], [Server], [HTTPS], [HTTP]) into an authgate configuration.

  --write-secrets DIR  write BindPassword / ClientSecret values and a new session
                       secret to files (mode 0600) in DIR, and point the *File keys there
  --output FILE        write the YAML to FILE instead of stdout

Exit codes: 0 everything translated, 2 something left out or to fill in, 1 error.
`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (error) {
    io.stderr.write(`authgate import-connect: ${describeError(error)}\n\n${USAGE}`);
    return 1;
  }
  if (args.values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  const file = args.positionals[0];
  if (!file || args.positionals.length > 1) {
    io.stderr.write(`authgate import-connect: ${file ? 'give exactly one FILE' : 'missing FILE'}\n\n${USAGE}`);
    return 1;
  }

  let text: string;
  try {
    text = await readFile(path.resolve(io.cwd, file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    io.stderr.write(`authgate import-connect: cannot read ${file} (${code === 'ENOENT' ? 'no such file' : code ?? describeError(error)})\n`);
    return 1;
  }

  const secretsDir = args.values['write-secrets'] === undefined ? undefined : path.resolve(io.cwd, args.values['write-secrets']);
  let result: ConnectConversion;
  try {
    result = convertConnect(parseGcfg(text, file), secretsDir ? { secretsDir } : {});
  } catch (error) {
    const what = isAuthgateError(error, 'ERR_GCFG_SYNTAX') ? `syntax error: ${error.message}` : `cannot convert ${file}: ${describeError(error)}`;
    io.stderr.write(`authgate import-connect: ${what}\n`);
    return 1;
  }

  let written: WrittenSecret[] = [];
  try {
    if (secretsDir) written = await writeSecretFiles(secretsDir, result.secrets);
    if (args.values.output) await writeFile(path.resolve(io.cwd, args.values.output), result.yaml);
    else io.stdout.write(result.yaml);
  } catch (error) {
    io.stderr.write(`authgate import-connect: ${describeError(error)}\n`);
    return 1;
  }
  io.stderr.write(report(file, result, written, args.values.output));
  return result.complete ? 0 : 2;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      'write-secrets': { type: 'string' },
      output: { type: 'string', short: 'o' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function report(file: string, result: ConnectConversion, written: WrittenSecret[], output: string | undefined): string {
  const lines: string[] = [];
  const finding = (f: Finding) => `  ${file}:${f.line}: ${f.section}${f.key ? ` ${f.key}` : ''}: ${f.message}`;
  const providers = (result.config['auth'] as { providers: unknown[] }).providers.length;
  lines.push(`authgate import-connect: converted ${file} (${providers} provider${providers === 1 ? '' : 's'})${output ? ` into ${output}` : ''}.`);
  if (result.toFill.length > 0) lines.push('', `To fill in (${result.toFill.length}):`, ...result.toFill.map(finding));
  if (result.untranslated.length > 0) lines.push('', `Left out (${result.untranslated.length}):`, ...result.untranslated.map(finding));
  if (result.kept.length > 0) lines.push('', `Kept in Connect's [Authorization] (what each role may do inside Connect): ${result.kept.join(', ')}`);
  if (result.notes.length > 0) lines.push('', 'Notes:', ...result.notes.map((n) => `  - ${n}`));

  lines.push('');
  if (written.length > 0) {
    lines.push('Secrets (files readable by their owner only, mode 0600):');
    for (const w of written) lines.push(`  ${w.path}: ${w.outcome === 'kept' ? 'kept the existing file' : w.outcome === 'generated' ? 'generated' : `from ${w.source}`}`);
  } else {
    lines.push('Secrets are not printed. Create these files (mode 0600), or run again with --write-secrets DIR:');
    for (const s of result.secrets) lines.push(`  ${s.path}: ${s.value === undefined ? 'a random secret of at least 32 bytes (openssl rand -base64 48)' : `the value of ${s.source}`}`);
  }

  lines.push('', '==== Connect-side settings: apply to rstudio-connect.gcfg ====', result.connectSide.trimEnd(), '==== end of Connect-side settings ====');
  lines.push('', result.complete ? 'Everything was translated.' : 'Not everything was translated: see above (exit code 2).');
  return lines.join('\n') + '\n';
}
