/** `authgate hash-password`: reads a password from stdin (never argv) and prints its scrypt hash. */
import { hashPassword } from '../auth/local/index.ts';
import { readStdin, type CliIo } from './io.ts';

export async function run(argv: string[], io: CliIo): Promise<number> {
  if (argv.length > 0) {
    io.stderr.write('authgate hash-password takes no arguments: type the password on stdin (it is never read from the command line, where other users could see it)\n');
    return 2;
  }
  if (io.stdin.isTTY) io.stderr.write('Password (then Enter and Ctrl-D): ');
  const password = (await readStdin(io)).replace(/\r?\n$/, '');
  if (password.trim() === '') {
    io.stderr.write('authgate hash-password: empty password refused\n');
    return 1;
  }
  io.stdout.write(`${await hashPassword(password)}\n`);
  return 0;
}
