/**
 * The benchmark upstream, run as its own process: every HTTP request gets the same 1 KiB body
 * (keep-alive), and WebSocket connections echo every message. Usage: node bench/upstream.ts <port>
 */
import http from 'node:http';
import { WebSocketServer } from 'ws';

export const BODY = Buffer.alloc(1024, 'a');

export function createBenchUpstream(): http.Server {
  const server = http.createServer({ keepAliveTimeout: 120_000 }, (req, res) => {
    req.resume();
    req.once('end', () => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': BODY.length });
      res.end(BODY);
    });
  });
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  server.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', (data, binary) => ws.send(data, { binary })));
  });
  return server;
}

if (import.meta.filename === process.argv[1]) {
  const port = Number(process.argv[2] ?? 0);
  const server = createBenchUpstream();
  server.listen(port, '127.0.0.1', () => process.stdout.write(`ready ${(server.address() as { port: number }).port}\n`));
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // A forgotten upstream must not outlive the harness by much.
  setTimeout(() => process.exit(0), Number(process.env.BENCH_UPSTREAM_MAX_MS ?? 3_600_000)).unref();
}
