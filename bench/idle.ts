/**
 * Memory per idle connection: open many TLS keep-alive connections to an arm, send one request on
 * each (so each is an idle HTTP keep-alive connection, not a half-open handshake), then read the
 * proxy's RSS. Needs a raised descriptor limit (run.ts re-executes itself under `ulimit -n`).
 */
import tls from 'node:tls';
import type { Arm } from './arms.ts';
import { rssBytes, sleep } from './proc.ts';

export interface IdleResult {
  connections: number;
  opened: number;
  failures: number;
  rssBeforeBytes: number;
  rssAfterBytes: number;
  bytesPerConnection: number;
  openSeconds: number;
}

function openOne(arm: Arm, ca: string): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port: arm.port, ca, servername: 'localhost', minVersion: 'TLSv1.3' });
    const timer = setTimeout(() => (socket.destroy(), reject(new Error('timeout'))), 15_000);
    let seen = '';
    socket.once('secureConnect', () => {
      const headers = Object.entries(arm.headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
      socket.write(`GET ${arm.path} HTTP/1.1\r\nhost: 127.0.0.1:${arm.port}\r\n${headers}\r\n`);
    });
    socket.on('data', (chunk: Buffer) => {
      seen += chunk.toString('latin1');
      // The upstream's body is 1 KiB of "a": the response is complete once it has all arrived.
      if (seen.includes('\r\n\r\n') && seen.length - seen.indexOf('\r\n\r\n') - 4 >= 1024) {
        clearTimeout(timer);
        socket.removeAllListeners('data');
        resolve(socket);
      }
    });
    socket.once('error', (e) => (clearTimeout(timer), reject(e)));
  });
}

export async function idleConnections(arm: Arm, ca: string, o: { connections: number; parallel: number; settleMs: number }): Promise<IdleResult> {
  await arm.refresh?.();
  const memoryPid = arm.memoryPid?.() ?? arm.pid;
  if (!memoryPid) throw new Error('idleConnections needs a proxy process');
  const rssBeforeBytes = rssBytes(memoryPid);
  const sockets: tls.TLSSocket[] = [];
  let failures = 0;
  let next = 0;
  const started = performance.now();
  try {
    const worker = async () => {
      while (next < o.connections && failures < 100) {
        next++;
        try {
          const socket = await openOne(arm, ca);
          socket.on('error', () => undefined);
          sockets.push(socket);
        } catch {
          failures++;
        }
      }
    };
    await Promise.all(Array.from({ length: o.parallel }, worker));
    const openSeconds = (performance.now() - started) / 1000;
    await sleep(o.settleMs);
    const rssAfterBytes = rssBytes(memoryPid);
    return {
      connections: o.connections,
      opened: sockets.length,
      failures,
      rssBeforeBytes,
      rssAfterBytes,
      bytesPerConnection: sockets.length > 0 ? (rssAfterBytes - rssBeforeBytes) / sockets.length : 0,
      openSeconds,
    };
  } finally {
    for (const socket of sockets) socket.destroy();
  }
}
