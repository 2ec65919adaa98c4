/** Public surface of the LDAP / Active Directory provider. */
export { createLdapProvider, type LdapPasswordProvider } from './provider.ts';
export { diagnoseLdapLogin } from './diagnose.ts';
export type { TraceEvent } from './trace.ts';
