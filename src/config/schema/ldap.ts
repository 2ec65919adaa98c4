/**
 * One `type: ldap` provider (LDAP and Active Directory). Key names follow RStudio Connect's
 * `[LDAP]` section so Connect admins recognise them; extra keys use the same style.
 */
import { z } from 'zod';
import { duration, filePath, parseUrl, secretFields } from './common.ts';
import { filterProblem, isAttributeName } from '../../ldap-syntax/index.ts';
import { looksLikeDn } from '../../ldap-syntax/index.ts';

const ldapUrl = z
  .string()
  .check((ctx) => {
    const problem = ldapUrlProblem(ctx.value);
    if (problem) ctx.issues.push({ code: 'custom', input: ctx.value, message: problem });
  })
  .meta({ description: 'An ldaps:// or ldap:// URL with host and optional port.', format: 'uri', examples: ['ldaps://dc1.example.com:636'] });

function ldapUrlProblem(text: string): string | undefined {
  const url = parseUrl(text);
  if (!url) return `"${text}" is not an LDAP URL; write ldaps://host:636 or ldap://host:389`;
  if (url.protocol !== 'ldap:' && url.protocol !== 'ldaps:') return `"${text}" is not an LDAP URL; the scheme must be ldaps:// or ldap://`;
  if (!url.hostname) return `"${text}" has no host; write ldaps://host:636`;
  if ((url.pathname !== '' && url.pathname !== '/') || url.search || url.hash || url.username) {
    return `"${text}" must hold only scheme, host and port; put base DNs in userSearchBaseDN / groupSearchBaseDN`;
  }
  return undefined;
}

/** One message for a bad serverAddress, string or list (a plain union would only say "Invalid input"). */
function serverAddressProblem(input: unknown): string {
  if (typeof input === 'string') return ldapUrlProblem(input) ?? 'is not an LDAP URL';
  if (Array.isArray(input)) {
    if (input.length === 0) return 'needs at least one address';
    const problems = input
      .map((item, index) => [index, typeof item === 'string' ? ldapUrlProblem(item) : 'must be a string'] as const)
      .filter(([, problem]) => problem !== undefined);
    return problems.map(([index, problem]) => `[${index}] ${problem}`).join('; ') || 'is not a list of LDAP URLs';
  }
  return 'must be an ldaps:// or ldap:// URL, or a list of them';
}

const attributeName = (description: string, example: string) =>
  z
    .string()
    .refine((name) => name.toLowerCase() === 'dn' || isAttributeName(name), { message: 'is not an LDAP attribute name (letters, digits, "-", or an OID)' })
    .meta({ description, examples: [example] });

const dnString = (description: string, example: string) =>
  z
    .string()
    .refine((text) => looksLikeDn(text), { message: 'is not a distinguished name; write it like OU=Users,DC=example,DC=com' })
    .meta({ description, examples: [example] });

const filterString = (description: string, example: string) =>
  z
    .string()
    .check((ctx) => {
      const problem = filterProblem(ctx.value);
      if (problem) ctx.issues.push({ code: 'custom', input: ctx.value, message: `is not an LDAP filter: ${problem}` });
    })
    .meta({ description, examples: [example] });

const bool = (fallback: boolean, description: string) => z.boolean().default(fallback).meta({ description, examples: [!fallback] });

export const ldapProviderSchema = z
  .strictObject({
    type: z.literal('ldap'),
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and "-" (it appears in URLs)')
      .optional()
      .meta({ description: 'Stable id used in URLs and identities. Default: the name, lower-cased, non-alphanumerics as "-".', examples: ['corp-ad'] }),
    name: z.string().min(1).max(100).meta({ description: 'Name shown on the login page.', examples: ['Corporate AD'] }),
    serverAddress: z
      .union([ldapUrl, z.array(ldapUrl).min(1, 'needs at least one address')], { error: (issue) => serverAddressProblem(issue.input) })
      .meta({ description: 'Server URL, or a list tried in order (failover; a dead address is skipped for failoverBackoff).', examples: [['ldaps://dc1.example.com:636', 'ldaps://dc2.example.com:636']] }),
    startTLS: bool(false, 'Upgrade ldap:// connections with StartTLS before any bind.'),
    tlsCACertificate: filePath('PEM file of the CA(s) that signed the server certificates (default: the system CAs).', '/etc/ssl/ldap-ca.pem').optional(),
    serverTLSInsecure: bool(false, 'INSECURE: do not verify the server certificate. For a lab only; warned at start-up.'),
    allowInsecureLdap: bool(false, 'INSECURE: allow plaintext ldap:// without startTLS (passwords cross the network in clear). For a lab only.'),
    bindDN: z.string().min(1).optional().meta({ description: 'Service account for searches (double bind): a DN, user@REALM or DOMAIN\\user.', examples: ['EXAMPLE\\svc-authgate'] }),
    ...secretFields('bindPassword', 'The service account password.'),
    anonymousBind: bool(false, 'Search without credentials instead of a service account.'),
    userBindTemplate: z
      .string()
      .refine((text) => text.split('{username}').length === 2, { message: 'must contain {username} exactly once' })
      .optional()
      .meta({ description: 'Single bind (no bindDN, no anonymousBind): what to bind as. Default: {usernameAttribute}={username},{userSearchBaseDN}.', examples: ['{username}@example.com', 'EXAMPLE\\{username}', 'uid={username},ou=Users,dc=example,dc=com'] }),
    userSearchBaseDN: dnString('Where users are searched (subtree).', 'OU=Users,DC=example,DC=com'),
    userObjectClass: z.string().min(1).meta({ description: 'Object class of user entries.', examples: ['user', 'inetOrgPerson'] }),
    userFilterBase: filterString('Filter every user search starts from. Default: objectClass={userObjectClass}.', '(&(objectClass=user)(!(userAccountControl:1.2.840.113556.1.4.803:=2)))').optional(),
    uniqueIdAttribute: attributeName('Attribute with a stable id (objectGUID on AD, entryUUID on OpenLDAP). DN works everywhere but changes on renames.', 'objectGUID').default('DN'),
    usernameAttribute: attributeName('Attribute users log in with.', 'sAMAccountName').default('uid'),
    userEmailAttribute: attributeName('Attribute holding the email address.', 'mail').optional(),
    userFirstNameAttribute: attributeName('Attribute holding the first name.', 'givenName').optional(),
    userLastNameAttribute: attributeName('Attribute holding the last name.', 'sn').optional(),
    userRoleAttribute: attributeName('Attribute whose values authorization.userRoleMapping maps to roles.', 'rsc-role').optional(),
    groupSearchBaseDN: dnString('Where groups are searched; without it, no groups are read.', 'OU=Groups,DC=example,DC=com').optional(),
    groupObjectClass: z.string().min(1).optional().meta({ description: 'Object class of group entries.', examples: ['group', 'groupOfNames'] }),
    groupFilterBase: filterString('Filter every group search starts from. Default: objectClass={groupObjectClass}.', '(objectClass=group)').optional(),
    groupUniqueIdAttribute: attributeName('Attribute with a stable group id.', 'objectGUID').default('DN'),
    groupNameAttribute: attributeName('Attribute holding the group name forwarded to the upstream.', 'sAMAccountName').default('cn'),
    groupMembership: z
      .enum(['memberOf', 'search'])
      .default('memberOf')
      .meta({ description: "memberOf: read the user's memberOf attribute; search: search groups whose member attribute holds the user's DN.", examples: ['search'] }),
    memberOfAttribute: attributeName('User attribute listing group DNs (groupMembership: memberOf).', 'memberOf').default('memberOf'),
    groupMemberAttribute: attributeName('Group attribute listing member DNs (groupMembership: search, and nested expansion).', 'member').default('member'),
    nestedGroups: bool(false, 'Include groups the user belongs to through other groups (AD: in-chain rule in one query; others: expansion).'),
    nestedGroupsMaxDepth: z.number().int().min(1).max(50).default(10).meta({ description: 'Depth limit of nested-group expansion (non-AD servers).', examples: [5] }),
    permittedLoginGroups: z.array(z.string().trim().min(1, 'must not be empty')).default([]).meta({ description: 'Only members of these groups (DN or name) may log in; empty = every user found.', examples: [['CN=RStudio Users,OU=Groups,DC=example,DC=com']] }),
    membershipUpdateInterval: duration('A session older than this re-reads groups and attributes with the service account.', '4h').prefault('4h'),
    refreshGracePeriod: duration('If the directory is unreachable during a refresh, keep the session this long, then refuse it.', '15m').prefault('15m'),
    connectTimeout: duration('Time limit for connecting (TCP and TLS) to one address.', '5s').prefault('5s'),
    operationTimeout: duration('Time limit for each LDAP operation.', '10s').prefault('10s'),
    failoverBackoff: duration('How long an address that failed to connect is skipped while others remain.', '30s').prefault('30s'),
    poolSize: z.number().int().min(1).max(64).default(4).meta({ description: 'Service-account connections kept for searches.', examples: [8] }),
    bindPoolSize: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(4)
      .meta({ description: "Connections kept for checking users' passwords (each login binds as the user on one of them, then it returns to the pool).", examples: [8] }),
    poolIdleTimeout: duration('Idle connections (service and bind pools) are replaced after this long (before servers drop them; AD drops at 15m).', '5m').prefault('5m'),
    logging: bool(false, 'Log every LDAP operation (never passwords) at debug level.'),
  })
  .superRefine((value, ctx) => {
    const issue = (path: (string | number)[], message: string): void => {
      ctx.addIssue({ code: 'custom', path, message });
    };
    const addresses = Array.isArray(value.serverAddress) ? value.serverAddress : [value.serverAddress];
    addresses.forEach((address, index) => {
      const path = Array.isArray(value.serverAddress) ? ['serverAddress', index] : ['serverAddress'];
      const scheme = address.slice(0, address.indexOf(':')).toLowerCase();
      if (scheme === 'ldap' && !value.startTLS && !value.allowInsecureLdap) {
        issue(path, `"${address}" is plaintext; use ldaps:// or set startTLS: true (or allowInsecureLdap: true for a lab)`);
      }
      if (scheme === 'ldaps' && value.startTLS) {
        issue(path, `"${address}" is already TLS; startTLS: true is for ldap:// addresses (remove startTLS or use ldap://)`);
      }
    });
    const passwordKeys = (['bindPassword', 'bindPasswordFile', 'bindPasswordEnv'] as const).filter((key) => value[key] !== undefined);
    if (value.bindDN !== undefined && passwordKeys.length === 0) {
      issue(['bindDN'], 'needs a password: set bindPasswordFile (or bindPasswordEnv); or remove bindDN for single bind');
    }
    if (passwordKeys.length > 1) issue([passwordKeys[1] as string], `give the password once: ${passwordKeys.join(' and ')} are both set`);
    if (value.bindDN === undefined && passwordKeys.length > 0) issue([passwordKeys[0] as string], 'is set but bindDN is missing; add bindDN');
    if (value.anonymousBind && value.bindDN !== undefined) issue(['anonymousBind'], 'cannot be combined with bindDN; choose the service account or anonymous search');
    const singleBind = value.bindDN === undefined && !value.anonymousBind;
    if (!singleBind && value.userBindTemplate !== undefined) {
      issue(['userBindTemplate'], 'is only used for single bind (no bindDN, no anonymousBind); remove it or remove bindDN / anonymousBind');
    }
    if (value.groupSearchBaseDN !== undefined && value.groupObjectClass === undefined && value.groupFilterBase === undefined) {
      issue(['groupObjectClass'], 'is required with groupSearchBaseDN (for example group on AD, groupOfNames on OpenLDAP)');
    }
    if (value.groupSearchBaseDN === undefined && value.groupMembership === 'search') {
      issue(['groupMembership'], 'search needs groupSearchBaseDN');
    }
    if (value.groupSearchBaseDN === undefined && value.permittedLoginGroups.length > 0) {
      issue(['permittedLoginGroups'], 'needs groupSearchBaseDN: without it no groups are read and nobody could log in');
    }
    if (value.groupSearchBaseDN === undefined && value.nestedGroups) issue(['nestedGroups'], 'needs groupSearchBaseDN');
  })
  .meta({ description: "LDAP or Active Directory; options mirror RStudio Connect's [LDAP] section." });

export type LdapProviderConfig = z.output<typeof ldapProviderSchema>;
export type LdapProviderInput = z.input<typeof ldapProviderSchema>;

/** The serverAddress list, whichever form it was written in. */
export function serverAddresses(config: Pick<LdapProviderConfig, 'serverAddress'>): string[] {
  return Array.isArray(config.serverAddress) ? config.serverAddress : [config.serverAddress];
}

/** Whether the provider binds as the user only (Connect's "without service credentials"). */
export function isSingleBind(config: Pick<LdapProviderConfig, 'bindDN' | 'anonymousBind'>): boolean {
  return config.bindDN === undefined && !config.anonymousBind;
}

/** Insecure opt-ins in use, as `[key, message]` pairs: check-config prints them, start-up logs them. */
export function ldapWarnings(config: LdapProviderConfig): Array<[key: string, message: string]> {
  const warnings: Array<[string, string]> = [];
  if (config.serverTLSInsecure) warnings.push(['serverTLSInsecure', 'is true: LDAP server certificates are NOT verified; set tlsCACertificate instead']);
  if (config.allowInsecureLdap && serverAddresses(config).some((a) => a.toLowerCase().startsWith('ldap:')) && !config.startTLS) {
    warnings.push(['allowInsecureLdap', 'is true: passwords are sent to the LDAP server in clear text; use ldaps:// or startTLS: true']);
  }
  if (config.bindPassword !== undefined) warnings.push(['bindPassword', 'is inline; prefer bindPasswordFile or bindPasswordEnv']);
  return warnings;
}
