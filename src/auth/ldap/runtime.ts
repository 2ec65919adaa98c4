/**
 * What one configured LDAP provider needs at run time, built once from its config: the
 * connector (failover), the service pool (double bind / anonymous search), the user-bind
 * pool, and helpers.
 */
import { isSingleBind, serverAddresses, type LdapProviderConfig } from '../../config/schema/ldap.ts';
import { providerId } from '../../config/schema/providers.ts';
import { AuthgateError } from '../../core/index.ts';
import { Connector, type Credentials } from './client.ts';
import { escapeDnValue } from '../../ldap-syntax/index.ts';
import { ConnectionPool } from './pool.ts';
import { combineTraces, type Trace } from './trace.ts';

interface SecretValue {
  value: string | undefined;
  problem?: string | undefined;
}

/** Reads `<name>`, `<name>File` or `<name>Env` of the provider section (the config loader's readSecret, bound to its context). */
type ReadSecret = (section: Record<string, unknown>, name: string) => SecretValue | Promise<SecretValue>;

/** The subset of a pino logger the provider uses. */
interface LdapLogger {
  debug(object: object, message?: string): void;
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

/** Optional metric hooks (the server maps them onto prom-client). */
interface LdapMetrics {
  loginOutcome?(provider: string, outcome: string): void;
  refreshOutcome?(provider: string, outcome: string): void;
  operation?(provider: string, operation: string, seconds: number, ok: boolean): void;
  poolSize?(provider: string, size: number): void;
}

export interface LdapProviderDeps {
  readSecret: ReadSecret;
  logger?: LdapLogger | undefined;
  /** Milliseconds since the epoch; injected in tests. */
  clock?: (() => number) | undefined;
  metrics?: LdapMetrics | undefined;
}

export interface LdapRuntime {
  id: string;
  config: LdapProviderConfig;
  connector: Connector;
  /** Service-account (or anonymous) connections for searches; absent in single-bind mode. */
  pool: ConnectionPool | undefined;
  /** Connections on which logins bind as the user (at most bindPoolSize). */
  bindPool: ConnectionPool;
  clock: () => number;
  logger: LdapLogger | undefined;
  metrics: LdapMetrics | undefined;
  /** The trace for an operation: the caller's, plus the debug log with `logging: true`. */
  trace(extra?: Trace): Trace | undefined;
  /** Whether the server is Active Directory (root DSE), asked once. */
  activeDirectory(read: () => Promise<boolean>): Promise<boolean>;
  /** What to bind as in single-bind mode. */
  bindNameFor(username: string): string;
}

export function singleBindTemplate(config: LdapProviderConfig): string {
  return config.userBindTemplate ?? `${config.usernameAttribute}={username},${config.userSearchBaseDN}`;
}

/** A template that is a DN pattern (`uid={username},ou=...`) gets RFC 4514 escaping; UPN and DOMAIN\ forms do not. */
export function templateIsDn(template: string): boolean {
  return /^[A-Za-z][A-Za-z0-9-]*=\{username\}\s*,/.test(template) || /,\s*[A-Za-z][A-Za-z0-9-]*=/.test(template);
}

export function createRuntime(config: LdapProviderConfig, deps: LdapProviderDeps): LdapRuntime {
  const clock = deps.clock ?? Date.now;
  const id = providerId(config);
  const connector = new Connector({
    addresses: serverAddresses(config),
    startTLS: config.startTLS,
    caFile: config.tlsCACertificate,
    tlsInsecure: config.serverTLSInsecure,
    connectTimeoutMs: config.connectTimeout,
    operationTimeoutMs: config.operationTimeout,
    backoffMs: config.failoverBackoff,
    clock,
  });
  const credentials = async (): Promise<Credentials> => {
    if (config.anonymousBind) return { kind: 'anonymous' };
    const secret = await deps.readSecret(config as unknown as Record<string, unknown>, 'bindPassword');
    if (!secret.value) {
      throw new AuthgateError('ERR_LDAP_CONFIG', 'The LDAP service account password is not available', {
        status: 503,
        detail: `provider ${id}: ${secret.problem ?? 'no bindPassword, bindPasswordFile or bindPasswordEnv value'}`,
      });
    }
    return { kind: 'simple', dn: config.bindDN as string, password: secret.value, operation: 'service-bind' };
  };
  const pool = isSingleBind(config)
    ? undefined
    : new ConnectionPool({ connector, credentials, size: config.poolSize, idleTimeoutMs: config.poolIdleTimeout, clock });
  const bindPool = new ConnectionPool({ connector, size: config.bindPoolSize, idleTimeoutMs: config.poolIdleTimeout, clock });
  const logTrace: Trace | undefined =
    config.logging && deps.logger ? (event) => deps.logger?.debug({ provider: id, ldap: { step: event.step, ok: event.ok } }, event.message) : undefined;
  let adAnswer: Promise<boolean> | undefined;
  const template = singleBindTemplate(config);
  return {
    id,
    config,
    connector,
    pool,
    bindPool,
    clock,
    logger: deps.logger,
    metrics: deps.metrics,
    trace: (extra) => combineTraces(logTrace, extra),
    activeDirectory(read) {
      adAnswer ??= read().catch((error: unknown) => {
        adAnswer = undefined;
        throw error;
      });
      return adAnswer;
    },
    bindNameFor: (username) => template.replace('{username}', templateIsDn(template) ? escapeDnValue(username) : username),
  };
}

