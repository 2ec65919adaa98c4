export { configSchema, configJsonSchema, type Config, type ConfigInput, type ProviderConfig, type LocalProviderConfig, type LdapProviderConfig, type OidcProviderConfig, type RuleConfig } from './schema/index.ts';
export { providerId } from './schema/providers.ts';
export { loadConfigFile, loadConfigText, type LoadedConfig, type LoadResult, type LoadOptions } from './load.ts';
export { formatIssues, type ConfigIssue } from './issues.ts';
export { readSecret, conventionalEnvName, type SecretContext } from './secrets.ts';
export { type AccountCheck } from './semantic.ts';
export { sessionSecrets, parseCertificates, assertionKeyProblem, MIN_SECRET_BYTES } from './semantic.ts';
export { parseDuration, formatDuration } from './duration.ts';
export { resolveConfigPath } from './paths.ts';
