/**
 * Secrets are given as `<name>File` (a path), `<name>Env` (an environment variable name), a
 * conventional environment variable (`AUTHGATE_SESSION_SECRETS`,
 * `AUTHGATE_<PROVIDER_ID>_BIND_PASSWORD`, …) or, discouraged, inline as `<name>`.
 */
import { readFileSync } from 'node:fs';

type SecretSource = 'file' | 'env' | 'inline' | 'none';

export interface SecretResult {
  value: string | undefined;
  source: SecretSource;
  /** What went wrong reading it (missing file, empty variable). */
  problem?: string;
}

export interface SecretContext {
  env: NodeJS.ProcessEnv;
  resolvePath: (file: string) => string;
}

/** `bindPassword` + `corp-ad` -> `AUTHGATE_CORP_AD_BIND_PASSWORD`. */
function conventionalEnvName(scope: string, name: string): string {
  const snake = name.replace(/([a-z0-9])([A-Z])/g, '$1_$2');
  return `AUTHGATE_${scope}_${snake}`.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

export function readSecret(section: Record<string, unknown>, name: string, scope: string, ctx: SecretContext): SecretResult {
  const file = section[`${name}File`];
  if (typeof file === 'string') {
    const resolved = ctx.resolvePath(file);
    try {
      return { value: readFileSync(resolved, 'utf8').replace(/\r?\n$/, ''), source: 'file' };
    } catch (error) {
      return { value: undefined, source: 'file', problem: `cannot read "${resolved}" (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
    }
  }
  const envName = section[`${name}Env`];
  if (typeof envName === 'string') {
    const value = ctx.env[envName];
    return value ? { value, source: 'env' } : { value: undefined, source: 'env', problem: `environment variable ${envName} is not set or empty` };
  }
  const inline = section[name];
  if (typeof inline === 'string') return { value: inline, source: 'inline' };
  const conventional = ctx.env[conventionalEnvName(scope, name)];
  if (conventional) return { value: conventional, source: 'env' };
  return { value: undefined, source: 'none' };
}
