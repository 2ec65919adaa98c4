/**
 * A small pool of LDAP connections. Two per provider: service-account (or anonymous)
 * connections for searches, and user-bind connections on which each login binds as the user
 * (a new connection is opened with that bind; a reused one is rebound, so a connection never
 * serves two logins at once and is always bound as the current one). Connections are checked
 * out one operation sequence at a time, replaced when broken or idle too long (before the
 * server drops them), and an operation that fails at the connection level is retried once on
 * a fresh connection. No timers: idleness is checked at checkout.
 */
import { isAuthgateError } from '../../core/index.ts';
import type { Connector, Credentials, LdapConnection } from './client.ts';
import type { Trace } from './trace.ts';

export interface PoolOptions {
  connector: Connector;
  /** What a new connection binds as; resolved per connection so a rotated password file is picked up. Absent for the user-bind pool. */
  credentials?: () => Promise<Credentials>;
  size: number;
  idleTimeoutMs: number;
  clock: () => number;
}

export class ConnectionPool {
  readonly #options: PoolOptions;
  readonly #idle: LdapConnection[] = [];
  readonly #waiters: ((connection: LdapConnection | undefined) => void)[] = [];
  #total = 0;
  #closed = false;

  constructor(options: PoolOptions) {
    this.#options = options;
  }

  /** Connections open now (idle + in use), for metrics. */
  get size(): number {
    return this.#total;
  }

  /** Runs work on a connection bound with the pool's credentials. */
  withConnection<T>(work: (connection: LdapConnection) => Promise<T>, trace?: Trace): Promise<T> {
    const credentials = this.#options.credentials;
    if (!credentials) throw new TypeError('this LDAP pool has no credentials of its own; use asUser()');
    return this.#run(credentials, undefined, work, trace);
  }

  /**
   * Binds as a user (throws ERR_BAD_CREDENTIALS / ERR_ACCOUNT_DISABLED as the directory
   * answers), then runs work on that connection, bound as the user.
   */
  asUser<T>(dn: string, password: string, work: (connection: LdapConnection) => Promise<T>, trace?: Trace): Promise<T> {
    const user = { kind: 'simple', dn, password, operation: 'user-bind' } as const;
    return this.#run(() => Promise.resolve(user), user, work, trace);
  }

  async #run<T>(credentials: () => Promise<Credentials>, rebindAs: { dn: string; password: string } | undefined, work: (connection: LdapConnection) => Promise<T>, trace?: Trace): Promise<T> {
    for (let attempt = 0; ; attempt += 1) {
      const { connection, fresh } = await this.#acquire(credentials, trace);
      connection.trace = trace;
      try {
        if (rebindAs && !fresh) await connection.bind(rebindAs.dn, rebindAs.password, 'user-bind');
        return await work(connection);
      } catch (error) {
        const connectionLost = isAuthgateError(error, 'ERR_LDAP_UNAVAILABLE') && !connection.usable;
        if (!connectionLost || attempt > 0) throw error;
        trace?.({ step: 'server', ok: false, message: `connection to ${connection.address} lost; retrying on a new connection` });
      } finally {
        connection.trace = undefined;
        this.#release(connection);
      }
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    const idle = this.#idle.splice(0);
    for (const waiter of this.#waiters.splice(0)) waiter(undefined);
    await Promise.all(idle.map((c) => this.#discard(c)));
  }

  async #acquire(credentials: () => Promise<Credentials>, trace?: Trace): Promise<{ connection: LdapConnection; fresh: boolean }> {
    if (this.#closed) throw new TypeError('LDAP pool used after close()');
    const now = this.#options.clock();
    while (this.#idle.length > 0) {
      const connection = this.#idle.pop() as LdapConnection;
      if (connection.usable && now - connection.lastUsed < this.#options.idleTimeoutMs) return { connection, fresh: false };
      await this.#discard(connection);
    }
    if (this.#total < this.#options.size) {
      this.#total += 1;
      try {
        return { connection: await this.#options.connector.open(await credentials(), trace), fresh: true };
      } catch (error) {
        this.#total -= 1;
        this.#wakeOne();
        throw error;
      }
    }
    const handed = await new Promise<LdapConnection | undefined>((resolve) => this.#waiters.push(resolve));
    if (handed) return { connection: handed, fresh: false };
    return this.#acquire(credentials, trace);
  }

  #release(connection: LdapConnection): void {
    if (this.#closed || !connection.usable) {
      void this.#discard(connection);
      this.#wakeOne();
      return;
    }
    const waiter = this.#waiters.shift();
    if (waiter) waiter(connection);
    else this.#idle.push(connection);
  }

  /** A slot freed up: let one waiter open a new connection. */
  #wakeOne(): void {
    const waiter = this.#waiters.shift();
    if (waiter) waiter(undefined);
  }

  async #discard(connection: LdapConnection): Promise<void> {
    this.#total -= 1;
    await connection.close();
  }
}
