import t from 'tap';
import { constants } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { secureContextOptions } from '../../../src/tls/material.ts';
import { makeTestCert } from '../../support/tls.ts';

const cert = makeTestCert();
const material = { certPem: readFileSync(cert.certFile, 'utf8'), keyPem: readFileSync(cert.keyFile, 'utf8') };

t.test('the default TLS 1.2 list is ECDHE with AES-GCM or ChaCha20-Poly1305 only', async (t) => {
  const ciphers = String(secureContextOptions(material, { minVersion: 'TLSv1.2' }).ciphers).split(':');
  t.ok(ciphers.length >= 4);
  for (const name of ciphers) t.match(name, /^ECDHE-(ECDSA|RSA)-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)$/, name);
});

t.test('a configured cipher list replaces the default', async (t) => {
  t.equal(secureContextOptions(material, { minVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384' }).ciphers, 'ECDHE-ECDSA-AES256-GCM-SHA384');
});

t.test('renegotiation is switched off in OpenSSL', async (t) => {
  const options = secureContextOptions(material, { minVersion: 'TLSv1.3' });
  t.equal((Number(options.secureOptions) & constants.SSL_OP_NO_RENEGOTIATION) !== 0, true);
});
