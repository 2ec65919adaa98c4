/** The listeners: HTTPS (hot-reloaded certificates), the optional HTTP redirect and metrics ports, and the drain on shutdown. */
import http from 'node:http';
import https from 'node:https';
import { lookup } from 'node:dns/promises';
import { isIP, type AddressInfo, type Server, type Socket } from 'node:net';
import type { SecureContextOptions } from 'node:tls';
import type { Runtime } from './runtime.ts';
import { handleRequest, handleUpgrade } from './pipeline.ts';
import { readyz } from './routes/dispatch.ts';
import { sendText } from './respond.ts';
import { httpsRedirectLocation } from './http-redirect.ts';

export interface Listeners {
  https: https.Server;
  redirect?: http.Server;
  metrics?: http.Server;
  /** The port actually bound (useful with port 0 in tests). */
  port(): number;
  setSecureContext(options: SecureContextOptions): void;
  /** Stop accepting, let in-flight requests finish within `timeoutMs`, then close everything. */
  drain(timeoutMs: number): Promise<void>;
}

export interface ListenerOptions {
  tls: SecureContextOptions;
  getRuntime: () => Runtime;
  /** Runs synchronously once every port is bound, before any connection is accepted (the privilege drop). Throwing closes the listeners and fails the start. */
  afterBind?: () => void;
}

export async function startListeners(options: ListenerOptions): Promise<Listeners> {
  const rt = options.getRuntime();
  const listen = rt.config.listen;
  const sockets = new Set<Socket>();
  const server = https.createServer({
    ...options.tls,
    maxHeaderSize: listen.maxHeaderSize,
    // Node requires headersTimeout <= requestTimeout when the latter is set.
    headersTimeout: listen.requestTimeout > 0 ? Math.min(listen.headersTimeout, listen.requestTimeout) : listen.headersTimeout,
    requestTimeout: listen.requestTimeout,
    keepAliveTimeout: listen.keepAliveTimeout,
    connectionsCheckingInterval: 1000,
    requireHostHeader: true,
    joinDuplicateHeaders: false,
  });
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    // A response sent before the request body was read to its end (a refusal, a 408, an upstream
    // answering early): the rest of the body is not waited for, the connection closes once the
    // response is out. Node would otherwise read and discard it to keep the connection alive,
    // for as long as the client trickles it.
    res.once('finish', () => {
      if (!req.complete) (req.socket as Socket).destroySoon();
    });
    void handleRequest(options.getRuntime(), req, res);
  };
  server.on('request', onRequest);
  // Expect: 100-continue: Node sends no 100 by itself when this event has a listener. The
  // pipeline sends it once the request has passed the gate, just before the body is read; a
  // refused request gets its final status without the body ever being sent.
  server.on('checkContinue', onRequest);
  server.on('upgrade', (req, socket, head) => void handleUpgrade(options.getRuntime(), req, socket, head));
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('tlsClientError', () => undefined);
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const text = status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request';
    socket.end(`HTTP/1.1 ${status} ${text}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  });
  let redirectServer: http.Server | undefined;
  if (listen.httpRedirectPort !== undefined) {
    redirectServer = http.createServer({ headersTimeout: Math.min(listen.headersTimeout, 10_000), requestTimeout: 10_000 }, (req, res) => {
      const location = httpsRedirectLocation(options.getRuntime().publicUrl, req.url);
      res.writeHead(308, { location, 'content-length': 0, connection: 'close' });
      res.end();
    });
  }

  let metricsServer: http.Server | undefined;
  if (rt.config.metrics.enabled && rt.config.metrics.port !== undefined) {
    metricsServer = http.createServer(async (req, res) => {
      const registry = options.getRuntime().metrics.registry;
      const path = (req.url ?? '').split('?')[0];
      if (path === '/healthz') return sendText(res, 200, 'ok\n');
      if (path === '/readyz') return readyz(options.getRuntime(), res);
      if (path !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      const body = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(body);
    });
  }
  await bindAll(
    [
      { server, port: listen.port, address: listen.address },
      ...(redirectServer ? [{ server: redirectServer, port: listen.httpRedirectPort!, address: listen.address }] : []),
      ...(metricsServer ? [{ server: metricsServer, port: rt.config.metrics.port!, address: rt.config.metrics.address }] : []),
    ],
    options.afterBind,
  );

  return {
    https: server,
    ...(redirectServer ? { redirect: redirectServer } : {}),
    ...(metricsServer ? { metrics: metricsServer } : {}),
    port: () => (server.address() as AddressInfo).port,
    setSecureContext: (tls) => server.setSecureContext(tls),
    async drain(timeoutMs) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      redirectServer?.close();
      metricsServer?.close();
      const deadline = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, timeoutMs);
      deadline.unref();
      const idle = setInterval(() => server.closeIdleConnections(), 100);
      await closed;
      clearInterval(idle);
      clearTimeout(deadline);
    },
  };
}

/**
 * Binds every listener, then runs `afterBind` before any of them can accept a connection.
 *
 * Why this holds: host names are resolved first, so each listen() gets an IP literal; Node then
 * binds and reports 'listening' through process.nextTick only (no DNS round trip through the
 * thread pool), and all listen() calls are made in one synchronous burst. The event loop polls
 * for new connections only after the nextTick queue is empty, so every 'listening' callback, and
 * `afterBind` called synchronously inside the last one, run before a single connection is
 * accepted. In case a future Node yields in between, a gate prepended to 'connection' destroys any
 * socket accepted before `afterBind` has returned, before a byte is read (no TLS handshake, no
 * request parsing as root).
 */
async function bindAll(targets: { server: Server; port: number; address: string }[], afterBind: (() => void) | undefined): Promise<void> {
  const addresses = await Promise.all(targets.map(async (t) => (isIP(t.address) ? t.address : (await lookup(t.address)).address)));
  let open = false;
  for (const { server } of targets) {
    server.prependListener('connection', (socket: Socket) => {
      if (!open) socket.destroy();
    });
  }
  await new Promise<void>((resolve, reject) => {
    let pending = targets.length;
    let failed = false;
    const abort = (error: unknown) => {
      if (failed) return;
      failed = true;
      for (const { server } of targets) if (server.listening) server.close();
      reject(error);
    };
    targets.forEach(({ server, port }, i) => {
      server.once('error', abort);
      server.listen(port, addresses[i], () => {
        server.off('error', abort);
        if (failed) server.close();
        if (--pending > 0 || failed) return;
        try {
          afterBind?.();
          open = true;
          resolve();
        } catch (error) {
          abort(error);
        }
      });
    });
  });
}
