/**
 * Counting a process's TCP connections to a port, for the test and the benchmark that check LDAP
 * connection reuse. `ss` asks the kernel through sock_diag with the port filter applied there:
 * reading /proc/net/tcp instead costs time in proportion to every socket on the machine, and
 * after the benchmark's WebSocket and handshake phases (tens of thousands of TIME_WAIT entries)
 * sampling it every 50 ms made the harness itself the bottleneck of the login measurement.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * ESTABLISHED TCP connections that process `pid` holds to remote port `port` (its client side).
 * Asynchronous: a sampler must not block the event loop of the client it runs beside.
 */
async function connectionsFrom(pid: number, port: number): Promise<number> {
  let out: string;
  try {
    ({ stdout: out } = await run('ss', ['-Htnp', 'state', 'established', `( dport = :${port} )`], { encoding: 'utf8' }));
  } catch (error) {
    throw new Error(`counting connections needs ss (Debian package iproute2; bash .ci/install-test-deps.sh installs it): ${(error as Error).message}`);
  }
  return out.split('\n').filter((line) => line.includes(`pid=${pid},`)).length;
}

/** Samples connectionsFrom every `everyMs` (never two at once); stop() resolves to the most seen, or rejects if `ss` failed. */
export function sampleConnections(pid: number, ports: readonly number[], everyMs: number): { stop(): Promise<number> } {
  let most = 0;
  let failure: unknown;
  let running: Promise<void> | undefined;
  const sample = (): Promise<void> =>
    Promise.all(ports.map((port) => connectionsFrom(pid, port))).then(
      (counts) => {
        most = Math.max(most, counts.reduce((a, b) => a + b, 0));
      },
      (error: unknown) => {
        failure ??= error;
      },
    );
  const timer = setInterval(() => {
    running ??= sample().finally(() => (running = undefined));
  }, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await running;
      await sample();
      if (failure !== undefined) throw failure;
      return most;
    },
  };
}
