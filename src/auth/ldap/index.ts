/** Public surface of the LDAP / Active Directory provider. */
export { createLdapProvider, type LdapPasswordProvider } from './provider.ts';
export { diagnoseLdapLogin, type DiagnoseResult } from './diagnose.ts';
export { authenticateInOrder } from './chain.ts';
export type { LdapProviderDeps, LdapLogger, LdapMetrics, ReadSecret, SecretValue } from './runtime.ts';
export type { TraceEvent, Trace } from './trace.ts';
export { escapeFilterValue } from '../../ldap-syntax/index.ts';
export { escapeDnValue, sameDn } from '../../ldap-syntax/index.ts';
export { guidToString } from './guid.ts';
export { RESERVED_USERNAMES, usernameProblem } from './username.ts';
