/** Pure: PEM texts -> the options Node's TLS server takes, refusing a mismatched pair. */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { SecureContextOptions } from 'node:tls';
import { AuthgateError } from '../errors.ts';

export interface TlsSettings {
  minVersion: 'TLSv1.2' | 'TLSv1.3';
  ciphers?: string | undefined;
}

export interface TlsMaterial {
  certPem: string;
  keyPem: string;
  caPem?: string | undefined;
}

export function secureContextOptions(material: TlsMaterial, settings: TlsSettings): SecureContextOptions {
  const blocks = material.certPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  if (!blocks) throw new AuthgateError('ERR_TLS_MATERIAL', 'certificate file holds no PEM certificate');
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(blocks[0] as string);
  } catch (error) {
    throw new AuthgateError('ERR_TLS_MATERIAL', 'certificate does not parse', { cause: error });
  }
  let key;
  try {
    key = createPrivateKey(material.keyPem);
  } catch (error) {
    throw new AuthgateError('ERR_TLS_MATERIAL', 'private key does not parse', { cause: error });
  }
  if (!leaf.checkPrivateKey(key)) throw new AuthgateError('ERR_TLS_MATERIAL', 'private key does not match the certificate');
  const chain = material.caPem ? `${material.certPem.trim()}\n${material.caPem.trim()}\n` : material.certPem;
  return {
    cert: chain,
    key: material.keyPem,
    minVersion: settings.minVersion,
    ...(settings.ciphers ? { ciphers: settings.ciphers } : {}),
    honorCipherOrder: true,
  };
}

/** A fingerprint of the leaf certificate, for logs after a reload. */
export function certificateSummary(certPem: string): { subject: string; validTo: string; fingerprint256: string } {
  const leaf = new X509Certificate(certPem);
  return { subject: leaf.subject.replace(/\n/g, ', '), validTo: leaf.validTo, fingerprint256: leaf.fingerprint256 };
}
