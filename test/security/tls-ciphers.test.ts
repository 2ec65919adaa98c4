/**
 * Weak TLS 1.2: authgate took Node's default cipher list, which includes CBC suites with SHA-1
 * and SHA-2 MACs (ECDHE-ECDSA-AES128-SHA, ECDHE-ECDSA-AES256-SHA384…), and let a client
 * renegotiate a TLS 1.2 session (Node allows 3 per 10 minutes). Both are checked with the
 * openssl command-line client against a running authgate: a CBC-only offer fails the handshake,
 * an AEAD offer succeeds, and `R` (renegotiate) is refused.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { startAuthgate, type TestAuthgate } from '../support/authgate.ts';
import { startUpstream, type TestUpstream } from '../support/upstream.ts';

let upstream: TestUpstream;
let ag: TestAuthgate;

t.before(async () => {
  upstream = await startUpstream();
  ag = await startAuthgate({ config: { upstream: { url: upstream.url } } });
});
t.teardown(async () => {
  await ag.stop();
  await upstream.close();
});

interface Run {
  code: number | null;
  out: string;
}

/**
 * Runs `openssl s_client` against authgate (killed after 5 s). With `afterHandshake`, that text
 * is typed once the handshake is done and the client is left running until it exits or the time is up.
 */
function sClient(args: string[], afterHandshake?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${ag.port}`, '-servername', 'localhost', '-CAfile', ag.cert.caFile, ...args]);
    let out = '';
    let typed = false;
    child.on('error', (error) => reject(new Error(`openssl s_client could not run (install the Debian package openssl): ${error.message}`)));
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (afterHandshake !== undefined && !typed && out.includes('Verify return code')) {
        typed = true;
        setTimeout(() => child.stdin.write(afterHandshake), 200);
      }
    });
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    if (afterHandshake === undefined) child.stdin.end();
    const timer = setTimeout(() => child.kill(), 5000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

const negotiated = (run: Run) => /Cipher is (\S+)/.exec(run.out)?.[1];

// The test certificate is ECDSA (P-256); RSA names are offered too so the list means "CBC only" whatever the key.
const CBC_OFFERS = [
  'ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA',
  'ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES256-SHA',
  'ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256',
  'ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES256-SHA384',
  'ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA384:AES128-SHA:AES256-SHA',
];
for (const offer of CBC_OFFERS) {
  t.test(`TLS 1.2 offering only ${offer} fails the handshake`, async (t) => {
    const run = await sClient(['-tls1_2', '-cipher', offer]);
    t.not(run.code, 0, 's_client failed');
    t.match(run.out, /handshake failure|no shared cipher|alert number 40/, 'the server refused the handshake');
    t.equal(negotiated(run), '(NONE)', 'no cipher was agreed');
  });
}

for (const suite of ['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-CHACHA20-POLY1305']) {
  t.test(`TLS 1.2 offering ${suite} succeeds with it`, async (t) => {
    const run = await sClient(['-tls1_2', '-cipher', suite]);
    t.equal(run.code, 0, 's_client succeeded');
    t.equal(negotiated(run), suite);
  });
}

t.test('TLS 1.3 still works with its default suites', async (t) => {
  const run = await sClient(['-tls1_3']);
  t.equal(run.code, 0);
  t.match(negotiated(run) ?? '', /^TLS_(AES_128_GCM_SHA256|AES_256_GCM_SHA384|CHACHA20_POLY1305_SHA256)$/);
});

t.test('a client-initiated TLS 1.2 renegotiation (s_client R) is refused and the connection ends', async (t) => {
  const run = await sClient(['-tls1_2'], 'R\n');
  t.match(run.out, /RENEGOTIATING/, 'the client asked to renegotiate');
  t.match(run.out, /no renegotiation/, 'the server refused (no_renegotiation alert)');
  t.not(run.code, null, 's_client ended by itself instead of being killed at the time limit');
  t.equal((run.out.split('RENEGOTIATING')[1] ?? '').includes('verify return:1'), false, 'no second handshake completed');
});
