/** Importing an RStudio / Posit Connect configuration (gcfg) into authgate. */
export { parseGcfg, sectionsNamed, sectionLabel, GcfgSyntaxError, type GcfgDocument, type GcfgSection, type GcfgValue } from './gcfg.ts';
export { formatGcfg, formatGcfgValue, formatGcfgHeader, fromDocument, type GcfgWriteSection, type GcfgWriteEntry } from './gcfg-format.ts';
export { convertConnect, DEFAULT_SECRETS_DIR, type ConnectConversion, type ConvertOptions } from './convert.ts';
export { CONNECT_PROFILE_HEADERS } from './connect-side.ts';
export { writeSecretFiles, type WrittenSecret } from './secret-files.ts';
export type { Finding, SecretOutput } from './model.ts';
