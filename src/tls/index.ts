export { certificateSummary } from './material.ts';
export { readTlsFiles, watchTlsFiles, type TlsWatcher } from './files.ts';
export { ensureSelfSigned } from './self-signed.ts';
