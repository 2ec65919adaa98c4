/**
 * The adapter for WebSocket upgrades: the handshake goes upstream over its own connection;
 * after a 101 the two sockets are piped raw and destroyed together (no socket timeout: a session's
 * sockets are closed by the session registry, the others by closeWhenIdle).
 */
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { AuthgateError } from '../core/index.ts';
import { guardedResponseHeaders, guardedUpgradeHeaders, type ResponsePolicy } from './responses.ts';

export interface UpgradeTarget {
  url: URL;
  connectTimeout: number;
  headersTimeout: number;
  ca?: string | undefined;
  /** Upstream response headers authgate never passes on (its own cookies, HSTS). */
  responses?: ResponsePolicy | undefined;
}

export interface UpgradeResult {
  status: number;
  /** Resolves when the piped connection has closed (for metrics of open WebSockets). */
  closed: Promise<void>;
}

export function forwardUpgrade(target: UpgradeTarget, req: IncomingMessage, client: Duplex, head: Buffer, path: string, headers: string[]): Promise<UpgradeResult> {
  const secure = target.url.protocol === 'https:';
  const request = (secure ? https : http).request({
    host: target.url.hostname.replace(/^\[|\]$/g, ''),
    port: target.url.port || (secure ? 443 : 80),
    method: req.method,
    path,
    headers,
    agent: false,
    timeout: target.connectTimeout,
    ...(secure && target.ca ? { ca: target.ca } : {}),
  });
  return new Promise((resolve, reject) => {
    const headerTimer = setTimeout(() => request.destroy(new AuthgateError('ERR_UPSTREAM_TIMEOUT', 'The upstream server did not answer in time.', { status: 504 })), target.headersTimeout);
    const fail = (error: Error) => {
      clearTimeout(headerTimer);
      reject(error instanceof AuthgateError ? error : new AuthgateError('ERR_UPSTREAM_UNAVAILABLE', 'The upstream server is not reachable.', { status: 502, cause: error, detail: error.message }));
    };
    request.on('timeout', () => request.destroy(new Error('connect timeout')));
    request.once('error', fail);
    client.once('close', () => request.destroy());

    request.once('upgrade', (upstreamRes, upstream, upstreamHead) => {
      clearTimeout(headerTimer);
      request.off('error', fail);
      const guarded = guardedUpgradeHeaders(upstreamRes.rawHeaders, target.responses);
      if (guarded.dropped.length > 0) target.responses?.onDropped?.(guarded.dropped, 'upgrade', { method: req.method ?? 'GET', path });
      client.write(statusBlock(101, upstreamRes.statusMessage ?? 'Switching Protocols', guarded.raw));
      if (upstreamHead.length > 0) client.write(upstreamHead);
      if (head.length > 0) upstream.write(head);
      resolve({ status: 101, closed: pipeTogether(client, upstream) });
    });

    request.once('response', (upstreamRes) => {
      clearTimeout(headerTimer);
      request.off('error', fail);
      const { headers: headersOut, dropped } = guardedResponseHeaders(upstreamRes.headers, target.responses);
      if (dropped.length > 0) target.responses?.onDropped?.(dropped, 'upgrade', { method: req.method ?? 'GET', path });
      if (target.responses?.hsts) headersOut['strict-transport-security'] = target.responses.hsts;
      const raw: string[] = [];
      for (const [name, value] of Object.entries(headersOut)) for (const v of Array.isArray(value) ? value : [value]) raw.push(name, v);
      raw.push('connection', 'close');
      client.write(statusBlock(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage ?? '', raw));
      upstreamRes.pipe(client);
      upstreamRes.once('error', () => client.destroy());
      resolve({ status: upstreamRes.statusCode ?? 502, closed: new Promise((done) => client.once('close', () => done())) });
    });
    request.end();
  });
}

function statusBlock(status: number, message: string, rawHeaders: readonly string[]): string {
  let text = `HTTP/1.1 ${status} ${message.replace(/[\r\n]/g, '')}\r\n`;
  for (let i = 0; i < rawHeaders.length; i += 2) text += `${rawHeaders[i]}: ${rawHeaders[i + 1]}\r\n`;
  return `${text}\r\n`;
}

/** Pipes both ways; whichever side ends or fails, both are destroyed. */
function pipeTogether(a: Duplex, b: Duplex): Promise<void> {
  for (const s of [a, b] as Array<Duplex & { setTimeout?: (ms: number) => void; setNoDelay?: (v: boolean) => void }>) {
    s.setTimeout?.(0);
    s.setNoDelay?.(true);
  }
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      a.destroy();
      b.destroy();
      resolve();
    };
    a.pipe(b);
    b.pipe(a);
    for (const s of [a, b]) {
      s.once('close', finish);
      s.once('error', finish);
      s.once('end', finish);
    }
  });
}

/**
 * Closes a piped client socket once the client has sent nothing for `ms` (0: never); returns the
 * function that stops watching. For WebSockets without a session, which no session registry
 * closes: data the upstream sends does not keep the socket open, anything the client sends does
 * (messages, and the pongs browsers send by themselves to an upstream's pings).
 */
export function closeWhenIdle(client: Duplex, ms: number, now: () => number = Date.now): () => void {
  if (ms <= 0) return () => undefined;
  let last = now();
  const onData = () => {
    last = now();
  };
  let timer: NodeJS.Timeout;
  const check = () => {
    const idle = now() - last;
    if (idle >= ms) return void client.destroy();
    timer = setTimeout(check, ms - idle);
    timer.unref();
  };
  timer = setTimeout(check, ms);
  timer.unref();
  client.on('data', onData);
  return () => {
    clearTimeout(timer);
    client.off('data', onData);
  };
}
