/**
 * Chooses the SharedStore from the configuration: this replica's memory (`session.store:
 * memory`), or Redis wrapped so that an outage degrades to per-replica memory instead of
 * refusing logins (`session.store: redis`).
 */
import { readFileSync } from 'node:fs';
import type { Config, LoadedConfig } from '../config/index.ts';
import { readSecret } from '../config/index.ts';
import type { Logger } from '../observability/index.ts';
import { memoryStore, type SharedStore } from './store.ts';
import { redisStore, type RedisStoreOptions } from './redis.ts';
import { fallbackStore } from './fallback.ts';

export interface SharedStoreOptions {
  /** Called with true when Redis becomes unavailable, false when it is back (for a gauge). */
  onDegraded?: (degraded: boolean) => void;
  /** How often a degraded store probes Redis again (ms). */
  probeInterval?: number;
}

/** Set by the Helm chart to the replica count (or the HPA maximum). */
const REPLICAS_ENV = 'AUTHGATE_REPLICAS';

export function createSharedStore(config: Config, loaded: LoadedConfig, logger: Logger, now: () => number = Date.now, options: SharedStoreOptions = {}): SharedStore {
  if (config.session.store !== 'redis' || !config.redis) {
    const replicas = Number(loaded.env[REPLICAS_ENV] ?? '1');
    if (replicas > 1) {
      logger.warn(
        { replicas },
        'session.store is memory with several replicas: a logout or a membership loss is refused only by the replica that saw it (other replicas accept the session until it expires), and failed-login counters and lockouts are per replica; set session.store: redis',
      );
    }
    return memoryStore(now);
  }
  const redis = redisStore({ ...redisStoreOptions(config.redis, loaded), now, onEvent: redisLogger(logger) });
  return fallbackStore({
    primary: redis,
    local: memoryStore(now),
    now,
    ...(options.probeInterval !== undefined ? { probeInterval: options.probeInterval } : {}),
    ...(options.onDegraded ? { onDegraded: options.onDegraded } : {}),
    warn: (message, error) => logger.warn({ err: { message: (error as Error)?.message ?? String(error) } }, message),
    info: (message) => logger.info(message),
  });
}

/** Connection options from the `redis:` section; throws with the key's name when a file cannot be read. */
function redisStoreOptions(section: NonNullable<Config['redis']>, loaded: LoadedConfig): RedisStoreOptions {
  const password = readSecret(section as Record<string, unknown>, 'password', 'redis', loaded);
  if (password.problem) throw new Error(`redis.password: ${password.problem}`);
  const file = (key: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    const resolved = loaded.resolvePath(value);
    try {
      return readFileSync(resolved, 'utf8');
    } catch (error) {
      throw new Error(`${key}: cannot read "${resolved}" (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { cause: error });
    }
  };
  const ca = file('redis.caFile', section.caFile);
  const cert = file('redis.tls.certFile', section.tls?.certFile);
  const key = file('redis.tls.keyFile', section.tls?.keyFile);
  const tls = { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}), ...(section.tls?.serverName ? { servername: section.tls.serverName } : {}) };
  return {
    url: section.url,
    ...(password.value !== undefined ? { password: password.value } : {}),
    keyPrefix: section.keyPrefix,
    connectTimeout: section.connectTimeout,
    commandTimeout: section.commandTimeout,
    ...(Object.keys(tls).length > 0 ? { tls } : {}),
  };
}

/** Connection errors repeat every retry: log the first of a run, then the recovery. */
function redisLogger(logger: Logger): RedisStoreOptions['onEvent'] {
  let failing = false;
  return (event, detail) => {
    if (event === 'ready') {
      if (failing) logger.info('redis connection established again');
      else logger.info('redis connection established');
      failing = false;
    } else if (event === 'error' && !failing) {
      failing = true;
      logger.warn({ err: { message: detail } }, 'redis connection failed; retrying in the background');
    }
  };
}
