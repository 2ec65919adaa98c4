/** LDAP syntax that configuration checks and the LDAP provider both need: DNs (RFC 4514) and filters (RFC 4515). Pure. */
export * from './dn.ts';
export * from './filter.ts';
