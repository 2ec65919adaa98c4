/**
 * The floor for any proxy written on Node's https server and undici: a bare TLS 1.3 server that
 * forwards every request through authgate's own upstream adapter (src/proxy/forward.ts) with
 * only hop-by-hop headers removed: no client IP, policy, session, identity headers, metrics or
 * logging. The difference between this and authgate is what authgate's pipeline costs.
 *
 *   node bench/node-floor.ts <port> <upstream-port> <cert-file> <key-file>
 */
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { createUpstream } from '../src/proxy/forward.ts';
import { HOP_BY_HOP } from '../src/proxy/headers.ts';

const [port, upstreamPort, certFile, keyFile] = process.argv.slice(2);
const upstream = createUpstream({ url: `http://127.0.0.1:${upstreamPort}`, connectTimeout: 10_000, headersTimeout: 60_000, maxConnections: 256 });
const server = https.createServer({ cert: readFileSync(certFile as string), key: readFileSync(keyFile as string), minVersion: 'TLSv1.3', keepAliveTimeout: 120_000 }, (req, res) => {
  const headers: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] as string;
    if (!HOP_BY_HOP.has(name.toLowerCase())) headers.push(name, req.rawHeaders[i + 1] as string);
  }
  upstream.forward(req, res, req.url ?? '/', headers).catch(() => {
    if (!res.headersSent) res.writeHead(502).end();
  });
});
server.listen(Number(port), '127.0.0.1', () => process.stdout.write(`ready ${port}\n`));
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setTimeout(() => process.exit(0), 3_600_000).unref();
