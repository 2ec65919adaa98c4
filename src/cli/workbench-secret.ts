/**
 * `authgate workbench-secret --out FILE [--public-url URL]`: makes the secure Workbench setup.
 * Writes a random header name (mode 0600) for identity.headers.usernameFile and prints the
 * rserver.conf lines that give Workbench the same name (auth-proxy-user-header), so code in an R
 * session on the Workbench host, which can reach rserver on loopback, cannot name the header
 * that carries the username.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs, stringFlag } from './args.ts';
import type { CliIo } from './io.ts';

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, ['force']);
  const out = stringFlag(args, 'out');
  if (!out || args.positional.length > 0) {
    io.stderr.write('usage: authgate workbench-secret --out FILE [--public-url https://rstudio.example.com] [--force]\n');
    return 2;
  }
  const publicUrl = stringFlag(args, 'public-url') ?? 'https://rstudio.example.com';
  let origin: string;
  try {
    const url = new URL(publicUrl);
    if (url.protocol !== 'https:') throw new Error('not https');
    origin = url.origin;
  } catch {
    io.stderr.write(`authgate workbench-secret: --public-url "${publicUrl}" is not an https:// URL\n`);
    return 2;
  }
  const file = path.resolve(io.cwd, out);
  const name = `X-RStudio-User-${randomBytes(16).toString('hex')}`;
  try {
    // 'wx': never overwrite a name Workbench may already use, unless asked to.
    writeFileSync(file, `${name}\n`, { mode: 0o600, flag: args.flags.has('force') ? 'w' : 'wx' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    io.stderr.write(`authgate workbench-secret: cannot write "${file}" (${code === 'EEXIST' ? 'it exists; --force replaces it, then update rserver.conf too' : code})\n`);
    return 1;
  }
  io.stdout.write(`# Wrote a secret header name to ${file} (mode 0600). It must stay readable by the user
# authgate runs as (chown it to that user) and by no one else.

# /etc/rstudio/rserver.conf: then \`chmod 600 /etc/rstudio/rserver.conf\` (only root, which starts
# rserver, reads it) and \`rstudio-server restart\`.
www-address=127.0.0.1
auth-proxy=1
auth-proxy-sign-in-url=${origin}/__authgate__/login
auth-proxy-sign-out-url=${origin}/__authgate__/logout
auth-proxy-user-header=${name}

# authgate configuration (the name itself stays out of it):
upstream:
  profile: workbench
identity:
  headers:
    usernameFile: ${file}
`);
  return 0;
}
