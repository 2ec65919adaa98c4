/** The adapter to the upstream over HTTP: an undici keep-alive pool, bodies streamed both ways. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Pool, type Dispatcher } from 'undici';
import { AuthgateError } from '../core/index.ts';
import { guardedResponseHeaders, type ResponsePolicy } from './responses.ts';

export interface UpstreamOptions {
  url: string;
  connectTimeout: number;
  headersTimeout: number;
  maxConnections: number;
  ca?: string | undefined;
  /** Upstream response headers authgate never passes on (its own cookies, HSTS). */
  responses?: ResponsePolicy | undefined;
}

export interface Upstream {
  readonly origin: string;
  /** Path prefix of the upstream URL (without trailing slash), prepended to every request path. */
  readonly basePath: string;
  /**
   * Sends the request and streams the answer into `res`. Resolves when the response is done;
   * rejects with ERR_UPSTREAM_UNAVAILABLE / ERR_UPSTREAM_TIMEOUT only while nothing was sent yet.
   * `own` are authgate's response headers (HSTS, Set-Cookie), given here rather than set on `res`
   * beforehand so the response headers are written in one pass: the upstream's Set-Cookie is
   * kept beside ours (minus any for authgate's own cookies), any other header of ours replaces the
   * upstream's (its Strict-Transport-Security is never passed on). `body`: the request body when
   * authgate has already read it (a checked RPC); otherwise the request is streamed.
   */
  forward(req: IncomingMessage, res: ServerResponse, path: string, headers: string[], own?: Readonly<Record<string, string | string[]>>, body?: Uint8Array): Promise<number>;
  /** Quick reachability probe for readyz. */
  probe(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export function createUpstream(options: UpstreamOptions): Upstream {
  const target = new URL(options.url);
  const basePath = target.pathname.replace(/\/+$/, '');
  const pool = new Pool(target.origin, {
    connections: options.maxConnections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 600_000,
    headersTimeout: options.headersTimeout,
    bodyTimeout: 0,
    connect: { timeout: options.connectTimeout, ...(options.ca ? { ca: options.ca } : {}) },
  });
  return {
    origin: target.origin,
    basePath,
    forward: (req, res, path, headers, own, body) => forwardThrough(pool, req, res, basePath + path, headers, own, options.responses, body),
    async probe(timeoutMs) {
      try {
        const answer = await pool.request({ path: basePath || '/', method: 'HEAD', headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
        await answer.body.dump();
        return true;
      } catch {
        return false;
      }
    },
    close: () => pool.close(),
  };
}

function toArray(value: string | string[]): string[] {
  return Array.isArray(value) ? value : [value];
}

/** Whether the request carries a body (declared by Content-Length other than 0, or Transfer-Encoding). */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function forwardThrough(pool: Pool, req: IncomingMessage, res: ServerResponse, path: string, headers: string[], own: Readonly<Record<string, string | string[]>> = {}, policy?: ResponsePolicy, body?: Uint8Array): Promise<number> {
  return new Promise((resolve, reject) => {
    let controller: Dispatcher.DispatchController | undefined;
    let started = false;
    const onClientGone = () => {
      if (!res.writableFinished) controller?.abort(new Error('client closed the connection'));
    };
    res.once('close', onClientGone);
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
      },
      onResponseStart(_c, statusCode, upstreamHeaders) {
        if (statusCode < 200) return; // 1xx informational: not relayed (authgate answers a client's 100-continue itself, and never forwards Expect)
        started = true;
        const { headers, dropped } = guardedResponseHeaders(upstreamHeaders as Record<string, string | string[] | undefined>, policy);
        if (dropped.length > 0) policy?.onDropped?.(dropped, 'response', { method: req.method ?? 'GET', path });
        for (const name in own) {
          const ours = own[name] as string | string[];
          const theirs = headers[name];
          // Both authgate (session renewal) and the upstream set cookies: send both.
          if (name === 'set-cookie' && theirs !== undefined) headers[name] = [...toArray(ours), ...toArray(theirs)];
          else headers[name] = ours;
        }
        res.writeHead(statusCode, headers);
      },
      onResponseData(c, chunk) {
        if (!res.write(chunk)) {
          c.pause();
          res.once('drain', () => c.resume());
        }
      },
      onResponseEnd() {
        res.off('close', onClientGone);
        res.end();
        resolve(res.statusCode);
      },
      onResponseError(_c, error) {
        res.off('close', onClientGone);
        if (started || res.headersSent) {
          res.destroy(error);
          resolve(res.statusCode);
          return;
        }
        reject(translate(error));
      },
    };
    pool.dispatch(
      {
        path,
        method: req.method ?? 'GET',
        headers,
        body: body ?? (hasBody(req) ? req : null),
        // Methods such as PUT/PATCH/DELETE are not idempotent for our purposes: never retried.
        idempotent: false,
        blocking: false,
      },
      handler,
    );
  });
}

function translate(error: Error): AuthgateError {
  const code = (error as { code?: string }).code;
  if (code === 'UND_ERR_HEADERS_TIMEOUT') {
    return new AuthgateError('ERR_UPSTREAM_TIMEOUT', 'The upstream server did not answer in time.', { status: 504, cause: error, detail: error.message });
  }
  return new AuthgateError('ERR_UPSTREAM_UNAVAILABLE', 'The upstream server is not reachable.', { status: 502, cause: error, detail: `${code ?? ''} ${error.message}`.trim() });
}
