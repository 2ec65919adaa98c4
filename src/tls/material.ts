/** Pure: PEM texts -> the options Node's TLS server takes, refusing a mismatched pair. */
import { constants, createPrivateKey, X509Certificate } from 'node:crypto';
import type { SecureContextOptions } from 'node:tls';
import { AuthgateError } from '../core/index.ts';

export interface TlsSettings {
  minVersion: 'TLSv1.2' | 'TLSv1.3';
  ciphers?: string | undefined;
}

export interface TlsMaterial {
  certPem: string;
  keyPem: string;
  caPem?: string | undefined;
}

/**
 * TLS 1.2 suites offered unless `listen.tls.ciphers` says otherwise: forward-secret ECDHE with
 * AEAD ciphers only (AES-GCM, ChaCha20-Poly1305), the Mozilla "intermediate" set. No CBC (Lucky13,
 * padding oracles), no SHA-1 MACs, no static RSA key exchange. TLS 1.3 suites are all AEAD and
 * keep OpenSSL's defaults.
 */
const DEFAULT_TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

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
    ciphers: settings.ciphers || DEFAULT_TLS12_CIPHERS,
    honorCipherOrder: true,
    // TLS 1.2 renegotiation is refused outright (OpenSSL answers a no_renegotiation alert): a
    // client-initiated renegotiation costs the server a handshake per request and has no use here
    // (Node's own limit, tls.CLIENT_RENEG_LIMIT, still lets 3 through every 10 minutes).
    secureOptions: constants.SSL_OP_NO_RENEGOTIATION,
  };
}

/** A fingerprint of the leaf certificate, for logs after a reload. */
export function certificateSummary(certPem: string): { subject: string; validTo: string; fingerprint256: string } {
  const leaf = new X509Certificate(certPem);
  return { subject: leaf.subject.replace(/\n/g, ', '), validTo: leaf.validTo, fingerprint256: leaf.fingerprint256 };
}
