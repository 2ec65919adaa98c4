/** A real HTTP + WebSocket upstream for tests: records what it received; echo, slow and big-body routes. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

export interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  bodyBytes: number;
}

export interface TestUpstream {
  url: string;
  port: number;
  received: Received[];
  upgrades: Received[];
  close(): Promise<void>;
}

/**
 * Routes: `/slow?ms=N` answers after N ms; `/bytes?n=N` streams N bytes; `/echo-body` counts
 * the request body and answers its size; anything else answers 200 with JSON of what it saw.
 * WebSocket connections echo every message.
 */
export async function startUpstream(port = 0): Promise<TestUpstream> {
  const received: Received[] = [];
  const upgrades: Received[] = [];
  const server = http.createServer((req, res) => {
    let bodyBytes = 0;
    req.on('data', (chunk: Buffer) => (bodyBytes += chunk.length));
    req.on('end', () => {
      const record = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, bodyBytes };
      received.push(record);
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/slow') {
        setTimeout(() => res.end('slow'), Number(url.searchParams.get('ms') ?? 1000));
        return;
      }
      if (url.pathname === '/bytes') {
        let left = Number(url.searchParams.get('n') ?? 0);
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': left });
        const chunk = Buffer.alloc(64 * 1024, 7);
        const pump = () => {
          while (left > 0) {
            const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
            left -= piece.length;
            if (!res.write(piece)) return void res.once('drain', pump);
          }
          res.end();
        };
        return pump();
      }
      res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': 'upstream=1; Path=/', connection: 'keep-alive' });
      res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, bodyBytes }));
    });
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    upgrades.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, bodyBytes: 0 });
    wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', (data, binary) => ws.send(data, { binary })));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    received,
    upgrades,
    close: () =>
      new Promise((resolve) => {
        for (const client of wss.clients) client.terminate();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
