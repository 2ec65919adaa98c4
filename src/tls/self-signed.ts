/** A self-signed certificate for the demo default only; real certificates come from files. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync, randomBytes, X509Certificate, createPrivateKey } from 'node:crypto';
import path from 'node:path';
import forge from 'node-forge';

export interface SelfSigned {
  certFile: string;
  keyFile: string;
  created: boolean;
}

const VALID_DAYS = 30;

/** Reuses certs/demo-tls.{crt,key} while valid for another day, else writes a fresh pair. */
export function ensureSelfSigned(dir: string, hostnames: string[], now = new Date()): SelfSigned {
  const certFile = path.join(dir, 'demo-tls.crt');
  const keyFile = path.join(dir, 'demo-tls.key');
  if (existsSync(certFile) && existsSync(keyFile) && stillUsable(certFile, keyFile, now)) return { certFile, keyFile, created: false };
  mkdirSync(dir, { recursive: true });
  const { certPem, keyPem } = createSelfSigned(hostnames, now);
  writeFileSync(keyFile, keyPem, { mode: 0o600 });
  writeFileSync(certFile, certPem, { mode: 0o644 });
  return { certFile, keyFile, created: true };
}

function stillUsable(certFile: string, keyFile: string, now: Date): boolean {
  try {
    const cert = new X509Certificate(readFileSync(certFile));
    const key = createPrivateKey(readFileSync(keyFile));
    return cert.checkPrivateKey(key) && new Date(cert.validTo).getTime() > now.getTime() + 86_400_000;
  } catch {
    return false;
  }
}

function createSelfSigned(hostnames: string[], now = new Date()): { certPem: string; keyPem: string } {
  // RSA because node-forge signs only with RSA; the key itself comes from node:crypto (fast, native).
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  cert.validity.notBefore = new Date(now.getTime() - 60_000);
  cert.validity.notAfter = new Date(now.getTime() + VALID_DAYS * 86_400_000);
  const attrs = [{ name: 'commonName', value: hostnames[0] ?? 'localhost' }, { name: 'organizationName', value: 'authgate demo (self-signed)' }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: hostnames.map((h) => (/^[\d.]+$|:/.test(h) ? { type: 7, ip: h } : { type: 2, value: h })),
    },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keyPem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}
