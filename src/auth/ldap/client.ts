/**
 * The adapter to the directory, and the only file that imports ldapts. One LdapConnection
 * is one socket: if the server closes it, the connection is dead (ldapts would silently
 * reconnect, unbound and, after StartTLS, unencrypted; the socket factory refuses that).
 * The Connector opens connections with failover over the address list.
 */
import net from 'node:net';
import tls from 'node:tls';
import { readFile } from 'node:fs/promises';
import { Client, type Entry } from 'ldapts';
import { AuthgateError } from '../../core/index.ts';
import { makeEntry, type LdapEntry } from './entry.ts';
import { isConnectionFailure, translateLdapError, RESULT, resultCode, type LdapOperation } from './errors.ts';
import { BINARY_ATTRIBUTE_SPELLINGS } from './guid.ts';
import type { Trace } from './trace.ts';

export interface ConnectorOptions {
  addresses: readonly string[];
  startTLS: boolean;
  caFile?: string | undefined;
  tlsInsecure: boolean;
  connectTimeoutMs: number;
  operationTimeoutMs: number;
  backoffMs: number;
  clock: () => number;
}

export interface SearchRequest {
  base: string;
  scope: 'base' | 'one' | 'sub';
  filter: string;
  attributes: string[];
  sizeLimit?: number;
  /** A missing base DN yields no entries instead of an error (reading an entry that may be gone). */
  missingBaseIsEmpty?: boolean;
}

export interface SearchResponse {
  entries: LdapEntry[];
  /** Continuation references returned by the server; never followed. */
  references: string[];
}

const RECONNECT_REFUSED = 'connection closed by the server; authgate does not reconnect a used LDAP connection';

export class LdapConnection {
  readonly address: string;
  readonly createdAt: number;
  lastUsed: number;
  trace: Trace | undefined;
  readonly #client: Client;
  readonly #clock: () => number;
  readonly #socketClosed: () => boolean;
  #broken = false;

  constructor(address: string, client: Client, clock: () => number, socketClosed: () => boolean) {
    this.address = address;
    this.#client = client;
    this.#clock = clock;
    this.#socketClosed = socketClosed;
    this.createdAt = clock();
    this.lastUsed = this.createdAt;
  }

  /**
   * False once a socket closed or an operation failed at the connection level. (Our own
   * socket tracking: after StartTLS, ldapts does not notice that the server closed.)
   */
  get usable(): boolean {
    return !this.#broken && !this.#socketClosed() && this.#client.isConnected;
  }

  async bind(dn: string, password: string, operation: 'service-bind' | 'user-bind' | 'anonymous-bind'): Promise<void> {
    const op: LdapOperation = operation === 'user-bind' ? 'user-bind' : 'service-bind';
    try {
      await this.#client.bind(dn, password);
      this.trace?.({ step: 'bind', ok: true, message: `${operation} as ${JSON.stringify(dn)} on ${this.address} succeeded` });
    } catch (error) {
      throw this.#fail(error, op, 'bind', `${operation} as ${JSON.stringify(dn)}`);
    } finally {
      this.lastUsed = this.#clock();
    }
  }

  async startTLS(options: tls.ConnectionOptions): Promise<void> {
    try {
      await this.#client.startTLS(options);
    } catch (error) {
      throw this.#fail(error, 'starttls', 'server', 'StartTLS');
    }
  }

  async search(request: SearchRequest): Promise<SearchResponse> {
    const binary = [...new Set([...request.attributes, ...BINARY_ATTRIBUTE_SPELLINGS])];
    try {
      const result = await this.#client.search(request.base, {
        scope: request.scope,
        filter: request.filter,
        attributes: request.attributes.length > 0 ? request.attributes : ['1.1'],
        explicitBufferAttributes: binary,
        sizeLimit: request.sizeLimit ?? 0,
        derefAliases: 'never',
      });
      this.lastUsed = this.#clock();
      const entries = result.searchEntries.map(toEntry);
      this.trace?.({
        step: 'search',
        ok: true,
        message: `search base=${JSON.stringify(request.base)} scope=${request.scope} filter=${request.filter}: ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}${result.searchReferences.length ? `, ${result.searchReferences.length} referral(s) not followed` : ''}`,
      });
      return { entries, references: result.searchReferences };
    } catch (error) {
      if (request.missingBaseIsEmpty && resultCode(error) === RESULT.noSuchObject) return { entries: [], references: [] };
      throw this.#fail(error, 'search', 'search', `search base=${JSON.stringify(request.base)} filter=${request.filter}`);
    }
  }

  /** Unbinds politely when the socket is still open; never waits long for a dying server. */
  async close(): Promise<void> {
    if (this.#broken && this.#socketClosed()) return;
    this.#broken = true;
    if (this.#socketClosed()) return;
    let timer: NodeJS.Timeout | undefined;
    const unbind = this.#client.unbind().catch(() => undefined);
    await Promise.race([unbind, new Promise((resolve) => (timer = setTimeout(resolve, 1000)))]);
    clearTimeout(timer);
  }

  #fail(error: unknown, operation: LdapOperation, step: string, what: string): AuthgateError {
    const translated = translateLdapError(error, operation, this.address);
    if (isConnectionFailure(translated) || isConnectionFailure(error)) this.#broken = true;
    this.trace?.({ step, ok: false, message: `${what} on ${this.address} failed: ${translated.code}: ${translated.detail ?? translated.message}` });
    return translated;
  }
}

function toEntry(entry: Entry): LdapEntry {
  const attributes: Record<string, (string | Buffer)[]> = {};
  for (const [name, value] of Object.entries(entry)) {
    if (name === 'dn') continue;
    attributes[name] = Array.isArray(value) ? (value as (string | Buffer)[]) : [value as string | Buffer];
  }
  return makeEntry(entry.dn, attributes);
}

export type Credentials = { kind: 'simple'; dn: string; password: string; operation: 'service-bind' | 'user-bind' } | { kind: 'anonymous' };

export class Connector {
  readonly options: ConnectorOptions;
  readonly #deadUntil = new Map<string, number>();

  constructor(options: ConnectorOptions) {
    if (options.addresses.length === 0) throw new TypeError('Connector needs at least one address');
    this.options = options;
  }

  /** Addresses in configured order, those in back-off after a recent failure moved last. */
  order(): string[] {
    const now = this.options.clock();
    const alive = this.options.addresses.filter((a) => (this.#deadUntil.get(a) ?? 0) <= now);
    return [...alive, ...this.options.addresses.filter((a) => !alive.includes(a))];
  }

  /**
   * Connects (StartTLS if configured) and binds, trying each address until one answers.
   * A bind refused by a reachable server (wrong password) is thrown at once, never retried elsewhere.
   */
  async open(credentials: Credentials, trace?: Trace): Promise<LdapConnection> {
    const failures: AuthgateError[] = [];
    for (const address of this.order()) {
      trace?.({ step: 'server', ok: true, message: `trying ${address}${this.options.startTLS ? ' with StartTLS' : ''}` });
      let connection: LdapConnection | undefined;
      try {
        connection = await this.#connect(address, trace);
        if (credentials.kind === 'anonymous') await connection.bind('', '', 'anonymous-bind');
        else await connection.bind(credentials.dn, credentials.password, credentials.operation);
        this.#deadUntil.delete(address);
        return connection;
      } catch (error) {
        const translated = translateLdapError(error, 'connect', address);
        await connection?.close();
        if (!isConnectionFailure(translated)) throw translated;
        this.#deadUntil.set(address, this.options.clock() + this.options.backoffMs);
        failures.push(translated);
        trace?.({ step: 'server', ok: false, message: `${address} failed: ${translated.code}: ${translated.detail ?? translated.message}` });
      }
    }
    const tlsOnly = failures.every((f) => f.code === 'ERR_LDAP_TLS');
    throw new AuthgateError(tlsOnly ? 'ERR_LDAP_TLS' : 'ERR_LDAP_UNAVAILABLE', tlsOnly ? 'The LDAP server certificate could not be verified' : 'No LDAP server could be reached', {
      status: 503,
      detail: failures.map((f) => f.detail ?? f.message).join('; '),
      cause: failures[failures.length - 1],
    });
  }

  async #tlsOptions(host: string): Promise<tls.ConnectionOptions> {
    const options: tls.ConnectionOptions = { host, rejectUnauthorized: !this.options.tlsInsecure, minVersion: 'TLSv1.2' };
    if (net.isIP(host) === 0) options.servername = host;
    if (this.options.caFile) {
      try {
        options.ca = [await readFile(this.options.caFile)];
      } catch (error) {
        throw new AuthgateError('ERR_LDAP_CONFIG', 'The LDAP CA certificate file cannot be read', { status: 503, detail: `tlsCACertificate ${this.options.caFile}: ${(error as Error).message}`, cause: error });
      }
    }
    return options;
  }

  async #connect(address: string, trace?: Trace): Promise<LdapConnection> {
    const url = new URL(address);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const secure = url.protocol === 'ldaps:';
    const tlsOptions = secure || this.options.startTLS ? await this.#tlsOptions(host) : undefined;
    let sockets = 0;
    let closed = false;
    const once = (): void => {
      sockets += 1;
      if (sockets > 1) throw new AuthgateError('ERR_LDAP_UNAVAILABLE', 'LDAP connection lost', { status: 503, detail: `${address}: ${RECONNECT_REFUSED}` });
    };
    const watch = <S extends net.Socket>(socket: S): S => {
      // Without it, Nagle's algorithm on our side and delayed ACKs on the server's stalled
      // logins by ≈ 40 ms in some runs of the login benchmark (requests and answers are small).
      socket.setNoDelay(true);
      socket.once('close', () => {
        closed = true;
      });
      return socket;
    };
    const client = new Client({
      url: `${url.protocol}//${url.host}`,
      connectTimeout: this.options.connectTimeoutMs,
      timeout: this.options.operationTimeoutMs,
      strictDN: false,
      ...(secure ? { tlsOptions } : {}),
      createConnection: ((...args: Parameters<typeof net.connect>) => {
        once();
        return watch(net.connect(...args));
      }) as typeof net.connect,
      createSecureConnection: ((...args: unknown[]) => {
        const first = args[0];
        if (typeof first === 'object' && first !== null && 'socket' in first) return watch(tls.connect(first as tls.ConnectionOptions));
        once();
        return watch((tls.connect as (...a: unknown[]) => tls.TLSSocket)(...args));
      }) as typeof tls.connect,
    });
    const connection = new LdapConnection(address, client, this.options.clock, () => closed);
    connection.trace = trace;
    if (this.options.startTLS && !secure) {
      await withTimeout(connection.startTLS(tlsOptions as tls.ConnectionOptions), this.options.connectTimeoutMs + this.options.operationTimeoutMs, address, () => void connection.close());
      trace?.({ step: 'server', ok: true, message: `StartTLS on ${address} succeeded` });
    }
    return connection;
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, address: string, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new AuthgateError('ERR_LDAP_UNAVAILABLE', 'The LDAP server did not answer in time', { status: 503, detail: `${address}: timed out after ${ms} ms` }));
    }, ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
