export { secureContextOptions, certificateSummary, type TlsMaterial, type TlsSettings } from './material.ts';
export { readTlsFiles, watchTlsFiles, type TlsFiles, type TlsWatcher } from './files.ts';
export { ensureSelfSigned, createSelfSigned } from './self-signed.ts';
