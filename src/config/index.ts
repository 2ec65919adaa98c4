export { configSchema, configJsonSchema, type Config, type ProviderConfig, type LdapProviderConfig } from './schema/index.ts';
export { providerId } from './schema/providers.ts';
export { loadConfigFile, loadConfigText, type LoadedConfig } from './load.ts';
export { formatIssues } from './issues.ts';
export { readSecret } from './secrets.ts';
export { sessionSecrets, usernameHeaderFromFile } from './semantic.ts';
export { GOOGLE_ISSUER } from './schema/oidc.ts';
