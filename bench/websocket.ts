/**
 * WebSocket measurements: echo throughput with many sockets through an arm, and descriptor
 * growth over many open/close cycles. The client (the `ws` package) runs in the harness process,
 * on the load core.
 */
import WebSocket from 'ws';
import type { Arm } from './arms.ts';
import { cpuSeconds, fdCount, sleep } from './proc.ts';

export interface EchoResult {
  sockets: number;
  messageBytes: number;
  seconds: number;
  messages: number;
  messagesPerSecond: number;
  /** Payload megabytes per second, both directions counted once (an echo = one message). */
  mbPerSecond: number;
  proxyCpuUsPerMessage?: number;
  errors: number;
}

function wsUrl(arm: Arm, path = '/ws'): string {
  return `${arm.scheme === 'https' ? 'wss' : 'ws'}://127.0.0.1:${arm.port}${arm.path === '/' ? '' : arm.path.replace(/\/$/, '')}${path}`;
}

function open(arm: Arm, ca: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl(arm), { ca, headers: arm.headers, perMessageDeflate: false, handshakeTimeout: 10_000 });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`WebSocket upgrade through ${arm.name} answered ${res.statusCode}`)));
  });
}

/** `sockets` sockets, each keeping `window` messages in flight, for `seconds`. */
export async function echoThroughput(arm: Arm, ca: string, o: { sockets: number; seconds: number; messageBytes: number; window: number }): Promise<EchoResult> {
  const sockets: WebSocket[] = [];
  await arm.refresh?.();
  try {
    for (let i = 0; i < o.sockets; i++) sockets.push(await open(arm, ca));
    const payload = Buffer.alloc(o.messageBytes, 'w');
    let messages = 0;
    let errors = 0;
    let running = true;
    for (const ws of sockets) {
      ws.on('message', () => {
        messages++;
        if (running && ws.readyState === WebSocket.OPEN) ws.send(payload);
      });
      ws.on('error', () => errors++);
    }
    const cpuBefore = arm.pid ? cpuSeconds(arm.pid) : 0;
    const started = performance.now();
    for (const ws of sockets) for (let i = 0; i < o.window; i++) ws.send(payload);
    await sleep(o.seconds * 1000);
    running = false;
    const seconds = (performance.now() - started) / 1000;
    const counted = messages;
    const cpu = arm.pid ? cpuSeconds(arm.pid) - cpuBefore : 0;
    return {
      sockets: o.sockets,
      messageBytes: o.messageBytes,
      seconds,
      messages: counted,
      messagesPerSecond: counted / seconds,
      mbPerSecond: (counted * o.messageBytes) / seconds / 1e6,
      ...(arm.pid ? { proxyCpuUsPerMessage: (cpu / counted) * 1e6 } : {}),
      errors,
    };
  } finally {
    for (const ws of sockets) ws.terminate();
  }
}

/** Open, echo one message, close. */
async function openOne(arm: Arm, ca: string): Promise<void> {
  const ws = await open(arm, ca);
  await new Promise<void>((resolve) => {
    ws.once('message', () => ws.close(1000));
    ws.once('close', () => resolve());
    ws.send('x');
  });
}

export interface CycleResult {
  cycles: number;
  failures: number;
  fdsBefore: number;
  fdsAfter: number;
  seconds: number;
}

/** `cycles` WebSocket opens and closes (`parallel` at a time); the proxy's descriptor count before and after. */
export async function openCloseCycles(arm: Arm, ca: string, o: { cycles: number; parallel: number; settleMs: number }): Promise<CycleResult> {
  if (!arm.pid) throw new Error('openCloseCycles needs a proxy process');
  await arm.refresh?.();
  let next = o.cycles - Math.min(100, Math.ceil(o.cycles / 10));
  let failures = 0;
  // Unrecorded cycles first (100, or a tenth in quick mode), then a pause: upstream pool sockets left from earlier phases close.
  const warm = async () => {
    for (; next < o.cycles; next++) await openOne(arm, ca).catch(() => undefined);
  };
  await Promise.all(Array.from({ length: 4 }, warm));
  await sleep(o.settleMs);
  const fdsBefore = fdCount(arm.pid);
  const started = performance.now();
  next = 0;
  const worker = async () => {
    while (next < o.cycles) {
      next++;
      try {
        await openOne(arm, ca);
      } catch {
        failures++;
      }
    }
  };
  await Promise.all(Array.from({ length: o.parallel }, worker));
  const seconds = (performance.now() - started) / 1000;
  await sleep(o.settleMs);
  return { cycles: o.cycles, failures, fdsBefore, fdsAfter: fdCount(arm.pid), seconds };
}
