/** The listeners: HTTPS (hot-reloaded certificates), the optional HTTP redirect and metrics ports, and the drain on shutdown. */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { SecureContextOptions } from 'node:tls';
import type { Runtime } from './runtime.ts';
import { handleRequest, handleUpgrade } from './pipeline.ts';

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
}

export async function startListeners(options: ListenerOptions): Promise<Listeners> {
  const rt = options.getRuntime();
  const listen = rt.config.listen;
  const sockets = new Set<Socket>();
  const server = https.createServer({
    ...options.tls,
    maxHeaderSize: listen.maxHeaderSize,
    headersTimeout: listen.headersTimeout,
    requestTimeout: listen.requestTimeout,
    keepAliveTimeout: listen.keepAliveTimeout,
    connectionsCheckingInterval: 1000,
    requireHostHeader: true,
    joinDuplicateHeaders: false,
  });
  server.on('request', (req, res) => void handleRequest(options.getRuntime(), req, res));
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
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.address, () => {
      server.off('error', reject);
      resolve();
    });
  });

  let redirectServer: http.Server | undefined;
  if (listen.httpRedirectPort !== undefined) {
    redirectServer = http.createServer({ headersTimeout: listen.headersTimeout, requestTimeout: 10_000 }, (req, res) => {
      const target = new URL(req.url ?? '/', options.getRuntime().publicUrl);
      res.writeHead(308, { location: target.href, 'content-length': 0, connection: 'close' });
      res.end();
    });
    await listenOn(redirectServer, listen.httpRedirectPort, listen.address);
  }

  let metricsServer: http.Server | undefined;
  if (rt.config.metrics.enabled && rt.config.metrics.port !== undefined) {
    metricsServer = http.createServer(async (req, res) => {
      const registry = options.getRuntime().metrics.registry;
      if ((req.url ?? '').split('?')[0] !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      const body = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(body);
    });
    await listenOn(metricsServer, rt.config.metrics.port, rt.config.metrics.address);
  }

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

function listenOn(server: http.Server, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
