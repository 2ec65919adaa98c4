/** Throwaway certificates for tests: a CA and a leaf for localhost / 127.0.0.1, in a temp dir. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TestCert {
  dir: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  ca: string;
}

/** An EC P-256 CA and server certificate made with the openssl CLI (instant, no RSA keygen). */
export function makeTestCert(commonName = 'localhost', dir = mkdtempSync(path.join(os.tmpdir(), 'authgate-cert-'))): TestCert {
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-sha256', '-days', '2', '-subj', '/CN=authgate test CA', '-keyout', 'ca.key', '-out', 'ca.crt']);
  run(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-sha256', '-subj', `/CN=${commonName}`, '-keyout', 'server.key', '-out', 'server.csr']);
  writeFileSync(path.join(dir, 'server.ext'), 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n');
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-sha256', '-extfile', 'server.ext', '-out', 'server.crt']);
  return { dir, caFile: path.join(dir, 'ca.crt'), certFile: path.join(dir, 'server.crt'), keyFile: path.join(dir, 'server.key'), ca: readFileSync(path.join(dir, 'ca.crt'), 'utf8') };
}
