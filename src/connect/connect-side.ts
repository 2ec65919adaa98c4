/**
 * The settings to apply on the Connect side once authgate is in front: Connect's proxied
 * authentication provider, reading the headers authgate's `connect` profile sends.
 */
import { formatGcfg, type GcfgWriteEntry, type GcfgWriteSection } from './gcfg-format.ts';

/** Header names of authgate's `connect` identity profile. */
const CONNECT_PROFILE_HEADERS = {
  UsernameHeader: 'X-Auth-Username',
  UniqueIdHeader: 'X-Auth-ID',
  EmailHeader: 'X-Auth-Email',
  FirstNameHeader: 'X-Auth-First-Name',
  LastNameHeader: 'X-Auth-Last-Name',
  RoleHeader: 'X-Auth-Role',
  GroupsHeader: 'X-Auth-Groups',
} as const;

export interface ConnectSideInput {
  publicUrl: string | undefined;
  /** Where authgate expects Connect (upstream.url). */
  upstreamUrl: string;
  groupsAutoProvision: boolean;
  /** Section headers that authgate replaces and Connect should drop, e.g. `[LDAP "Corporate AD"]`. */
  replacedSections: string[];
  /** Whether Connect terminated TLS itself (its [HTTPS] moves to authgate). */
  hadHttps: boolean;
  /** [Authorization] role-mapping keys present in the Connect file. */
  roleMappingKeys: string[];
}

export function connectSideSettings(input: ConnectSideInput): string {
  const url = input.publicUrl;
  const upstream = new URL(input.upstreamUrl);
  const sections: GcfgWriteSection[] = [
    {
      name: 'Authentication',
      comment: 'Connect settings to apply once authgate is in front (rstudio-connect.gcfg).\n' +
        'Changing Connect\'s authentication provider needs its users migrated: read "Changing\n' +
        'Authentication Provider" in Connect\'s admin guide and back up Connect\'s database first.',
      entries: [{ key: 'Provider', value: 'proxy' }],
    },
    {
      name: 'Server',
      entries: [{ key: 'Address', value: url ?? 'https://rstudio.example.com', commentedOut: url === undefined, comment: url ? 'authgate\'s publicUrl' : 'set to authgate\'s publicUrl' }],
    },
    {
      name: 'HTTP',
      entries: [{
        key: 'Listen',
        value: `${upstream.hostname}:${upstream.port || '80'}`,
        comment: 'plain HTTP, reachable only by authgate (firewall or NetworkPolicy): Connect cannot tell who set X-Auth-Username' +
          (input.hadHttps ? '\nremove [HTTPS]: authgate terminates TLS now' : ''),
      }],
    },
    { name: 'ProxyAuth', entries: proxyAuthEntries(url, input.groupsAutoProvision) },
    {
      name: 'Authorization',
      comment: 'authgate applies the role mapping and sends the resulting role in X-Auth-Role' +
        (input.roleMappingKeys.length > 0 ? `\nremove from [Authorization]: ${input.roleMappingKeys.join(', ')}` : ''),
      entries: [
        { key: 'UserRoleMapping', value: 'true', comment: 'take the role from RoleHeader' },
        { key: 'UserRoleGroupMapping', value: 'false' },
      ],
    },
  ];
  const removal = input.replacedSections.length > 0
    ? `; remove these sections: authgate does this now: ${input.replacedSections.join(', ')}\n`
    : '';
  return formatGcfg(sections) + removal;
}

function proxyAuthEntries(url: string | undefined, groupsAutoProvision: boolean): GcfgWriteEntry[] {
  const entries: GcfgWriteEntry[] = [
    { key: 'LoginURL', value: `${url ?? 'https://rstudio.example.com'}/__authgate__/login`, commentedOut: url === undefined },
    { key: 'LogoutURL', value: `${url ?? 'https://rstudio.example.com'}/__authgate__/logout`, commentedOut: url === undefined },
  ];
  for (const [key, value] of Object.entries(CONNECT_PROFILE_HEADERS)) entries.push({ key, value });
  if (groupsAutoProvision) entries.push({ key: 'GroupsAutoProvision', value: 'true', comment: 'carried over from the LDAP / OAuth2 section' });
  return entries;
}
