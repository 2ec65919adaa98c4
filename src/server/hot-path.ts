/**
 * The request path's speed tricks in one place: what authgate remembers between requests to
 * save CPU, each bounded and each with the measurement that justified it. One is built with
 * every runtime (runtime.ts), so a reload drops all of it and nothing answers from an earlier
 * configuration. Nothing here changes an answer; each piece only skips recomputing one.
 */
import { randomBytes } from 'node:crypto';
import type { Identity } from '../core/index.ts';
import type { HeaderNames } from '../proxy/index.ts';
import type { TokenKeyMemo } from '../session/index.ts';

/** Request ids: 9 random bytes each (72 bits), base64url. */
const ID_BYTES = 9;
/** Ids cut from one `randomBytes` call: a 9 KiB buffer. */
const IDS_PER_FILL = 1024;

/**
 * What authgate remembers about one client connection (keep-alive requests repeat both). Held in
 * a WeakMap keyed by the socket, so it lives exactly as long as the connection.
 */
export class ConnectionMemo implements TokenKeyMemo {
  /** The peer's normalised address (the socket's, X-Forwarded-For not applied). */
  peerIp: string | undefined;
  #token: string | undefined;
  #key = '';

  /**
   * The session token's cache key, hashed again only when this connection sends a token other
   * than its previous one. The comparison is only ever with what the same connection sent.
   */
  keyOf(token: string, derive: (token: string) => string): string {
    // Not a secret comparison: the only token compared is the one this same connection sent before.
    // eslint-disable-next-line security/detect-possible-timing-attacks
    if (token !== this.#token) {
      this.#key = derive(token);
      this.#token = token;
    }
    return this.#key;
  }
}

export interface HotPathOptions {
  /** Header-name kinds for this runtime's identity stripper. */
  headerNames: HeaderNames;
  /** The identity headers of one identity under this runtime's profile, separator and username rewrite. */
  identityHeaders: (identity: Identity) => Array<[string, string]>;
}

export class HotPathCaches {
  /**
   * Header name -> kind, per spelling (proxy/headers.ts, at most 4,096 spellings). With the
   * identity pairs below and the plain-counter request metrics (observability/status-metrics.ts):
   * session arm 56.4 -> 50.3 µs CPU/request, auth off 46.2 -> 42.2 (bench/compare.ts 7 x 5 s
   * interleaved, `compare-2026-11-23T13-52-42-988Z.json`).
   */
  readonly headerNames: HeaderNames;

  // One `randomBytes` call per 1,024 request ids instead of one per request: the first profile
  // showed `randomFillSync` at 2.5 % of CPU and the peer address parse (below) at 1.7 %;
  // `requestContext` went from 5.2 % to 0.7 % inclusive. Both together: session 58.4 -> 54.7 µs
  // CPU/request, auth off 50.5 -> 42.4 (8 interleaved runs, `compare-2026-11-23T12-33-51-113Z.json`).
  #ids = Buffer.alloc(0);
  #idOffset = 0;

  /**
   * Per open connection: the parsed peer address (ipaddr.js, 1.7 % of CPU, see above) and the
   * session token's sha256 cache key (≈ 2 % of CPU in the profile; session arm 69.2 -> 58.6 µs
   * CPU/request, per-run ratio median 0.86, range 0.70–1.01, `compare-2026-11-23T12-38-00-923Z.json`).
   * Bounded by the open sockets: an entry goes with its socket.
   */
  readonly #connections = new WeakMap<object, ConnectionMemo>();

  /**
   * Identity -> its identity header pairs (header-safe encoding, groups joined, username rewritten):
   * sessions keep their Identity object across requests (the session cache holds it), so the
   * pairs are built once per identity. Bounded by the live Identity objects (WeakMap). Measured
   * with the header-name kinds, see `headerNames`.
   */
  readonly #identityPairs = new WeakMap<Identity, Array<[string, string]>>();
  readonly #identityHeaders: (identity: Identity) => Array<[string, string]>;

  /**
   * The upstream's last readiness probe: /readyz probes it at most once per 2 s however often it
   * is asked (a probe is a TCP connection to the upstream, not a CPU trick). One value.
   */
  readiness: { at: number; ok: boolean } = { at: 0, ok: false };

  constructor(options: HotPathOptions) {
    this.headerNames = options.headerNames;
    this.#identityHeaders = options.identityHeaders;
  }

  /** A fresh request id: 9 random bytes, base64url (12 characters). */
  requestId(): string {
    if (this.#idOffset + ID_BYTES > this.#ids.length) {
      this.#ids = randomBytes(ID_BYTES * IDS_PER_FILL);
      this.#idOffset = 0;
    }
    this.#idOffset += ID_BYTES;
    return this.#ids.toString('base64url', this.#idOffset - ID_BYTES, this.#idOffset);
  }

  /** The memo of one client connection (created on its first request). */
  connection(socket: object): ConnectionMemo {
    let memo = this.#connections.get(socket);
    if (memo === undefined) {
      memo = new ConnectionMemo();
      this.#connections.set(socket, memo);
    }
    return memo;
  }

  identityPairs(identity: Identity): Array<[string, string]> {
    let pairs = this.#identityPairs.get(identity);
    if (pairs === undefined) {
      pairs = this.#identityHeaders(identity);
      this.#identityPairs.set(identity, pairs);
    }
    return pairs;
  }
}
