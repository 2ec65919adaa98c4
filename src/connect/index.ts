/** Importing an RStudio / Posit Connect configuration (gcfg) into authgate. */
export { parseGcfg, sectionsNamed } from './gcfg.ts';
export { formatGcfg } from './gcfg-format.ts';
export { convertConnect, type ConnectConversion } from './convert.ts';
export { writeSecretFiles, type WrittenSecret } from './secret-files.ts';
export type { Finding } from './model.ts';
