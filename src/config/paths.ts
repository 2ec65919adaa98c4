/** Resolution of file paths written in the configuration. */
import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * Absolute paths are used as they are. A relative path is resolved against the working
 * directory (as the examples in the docs are written, e.g. `certs/tls.crt`), and, when no such
 * file exists there, against the directory of the configuration file.
 */
export function resolveConfigPath(file: string, cwd: string, configDir: string | undefined): string {
  if (path.isAbsolute(file)) return file;
  const fromCwd = path.resolve(cwd, file);
  if (existsSync(fromCwd) || !configDir) return fromCwd;
  const fromConfig = path.resolve(configDir, file);
  return existsSync(fromConfig) ? fromConfig : fromCwd;
}
