/**
 * Writes the secrets of a conversion to files readable by their owner only (0600) in a
 * directory only the owner may enter (0700). A missing value (the session secret) is
 * generated, and an existing session-secrets file is kept: replacing it would log
 * everyone out.
 */
import { randomBytes } from 'node:crypto';
import { access, mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import type { SecretOutput } from './model.ts';

export interface WrittenSecret {
  readonly path: string;
  readonly source: string;
  readonly outcome: 'written' | 'generated' | 'kept';
}

export async function writeSecretFiles(
  dir: string,
  secrets: readonly SecretOutput[],
  random: (bytes: number) => Buffer = randomBytes,
): Promise<WrittenSecret[]> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const written: WrittenSecret[] = [];
  for (const secret of secrets) {
    const file = path.join(dir, secret.fileName);
    if (secret.value === undefined) {
      if (await exists(file)) {
        written.push({ path: file, source: secret.source, outcome: 'kept' });
        continue;
      }
      await writePrivate(file, random(48).toString('base64url'));
      written.push({ path: file, source: secret.source, outcome: 'generated' });
    } else {
      await writePrivate(file, secret.value);
      written.push({ path: file, source: secret.source, outcome: 'written' });
    }
  }
  return written;
}

async function writePrivate(file: string, value: string): Promise<void> {
  const handle = await open(file, 'w', 0o600);
  try {
    await handle.chmod(0o600); // the mode above only applies when the file is created
    await handle.writeFile(`${value}\n`);
  } finally {
    await handle.close();
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
