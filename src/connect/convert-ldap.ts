/** `[LDAP "name"]` -> one authgate `type: ldap` provider. */
import path from 'node:path';
import type { GcfgValue } from './gcfg.ts';
import { put, type Collector, type YamlPath } from './model.ts';
import { nonEmpty, parseBool, type SectionReader } from './values.ts';

/** Connect keys copied as they are, under their camelCase authgate names (after the connection keys). */
const STRING_KEYS: ReadonlyArray<readonly [string, string]> = [
  ['UserSearchBaseDN', 'userSearchBaseDN'],
  ['UserObjectClass', 'userObjectClass'],
  ['UserFilterBase', 'userFilterBase'],
  ['UniqueIdAttribute', 'uniqueIdAttribute'],
  ['UsernameAttribute', 'usernameAttribute'],
  ['UserEmailAttribute', 'userEmailAttribute'],
  ['UserFirstNameAttribute', 'userFirstNameAttribute'],
  ['UserLastNameAttribute', 'userLastNameAttribute'],
  ['UserRoleAttribute', 'userRoleAttribute'],
  ['GroupSearchBaseDN', 'groupSearchBaseDN'],
  ['GroupObjectClass', 'groupObjectClass'],
  ['GroupFilterBase', 'groupFilterBase'],
  ['GroupUniqueIdAttribute', 'groupUniqueIdAttribute'],
  ['GroupNameAttribute', 'groupNameAttribute'],
];

const BOOL_KEYS: ReadonlyArray<readonly [string, string]> = [
  ['AnonymousBind', 'anonymousBind'],
  ['Logging', 'logging'],
];

/** Connect keys with no authgate counterpart, and why. */
const UNSUPPORTED: Record<string, string> = {
  groupsbyuniqueid:
    'authgate sends group names in X-Auth-Groups and Connect\'s proxy provider matches groups by name; check group identities in Connect after the switch',
  registeronfirstlogin: 'user registration happens in Connect: set it in Connect\'s [Authentication] section if you need it',
};

export interface LdapOptions {
  id: string;
  /** Set when two providers would derive the same id. */
  explicitId: boolean;
  secretsDir: string;
}

export function convertLdap(r: SectionReader, base: YamlPath, out: Collector, options: LdapOptions): Record<string, unknown> {
  const provider: Record<string, unknown> = { type: 'ldap' };
  if (options.explicitId) provider['id'] = options.id;
  provider['name'] = r.section.subsection ?? r.section.name;
  out.annotations.push({ path: base, comment: `from ${r.label} (line ${r.section.line})`, placement: 'before' });

  const tls = flag(r, 'TLS', out);
  const startTLS = flag(r, 'StartTLS', out);
  const insecure = flag(r, 'ServerTLSInsecure', out);
  serverAddress(r, base, provider, out, tls?.on ?? false, startTLS?.on ?? false);
  const ldaps = ((provider['serverAddress'] as string[])[0] ?? (tls?.on ? 'ldaps:' : '')).toLowerCase().startsWith('ldaps:');
  if (startTLS && ldaps && startTLS.on) {
    out.notes.push(`${r.label} StartTLS = true (line ${startTLS.from.line}) was dropped: the address is ldaps:// (TLS from the start), and authgate refuses StartTLS on top of it.`);
  } else if (startTLS) {
    put(out, provider, base, 'startTLS', startTLS.on, [startTLS.from]);
  }

  copyString(r, 'TLSCACertificate', 'tlsCACertificate', provider, base, out);
  if (insecure) {
    put(out, provider, base, 'serverTLSInsecure', insecure.on, [insecure.from]);
    if (insecure.on) out.notes.push(`${r.label} ServerTLSInsecure = true (line ${insecure.from.line}) was carried over: authgate will not verify the directory's certificate; set tlsCACertificate and remove it.`);
  }

  copyString(r, 'BindDN', 'bindDN', provider, base, out);
  const password = r.last('BindPassword');
  if (password && password.value !== '') {
    const fileName = `${options.id}-bind-password`;
    const file = path.posix.join(options.secretsDir, fileName);
    out.secrets.push({ fileName, path: file, source: `${r.label} BindPassword`, value: password.value });
    put(out, provider, base, 'bindPasswordFile', file, [password], 'the password is not copied here: the file must hold it');
  }
  for (const [connectKey, key] of STRING_KEYS) copyString(r, connectKey, key, provider, base, out);
  for (const [connectKey, key] of [['UserSearchBaseDN', 'userSearchBaseDN'], ['UserObjectClass', 'userObjectClass']] as const) {
    if (provider[key] !== undefined) continue;
    const value = r.last(connectKey);
    out.toFill.push({ section: r.label, key: connectKey, line: value?.line ?? r.section.line, message: `${value ? 'is empty' : 'is missing'}: fill in ${pathText([...base, key])}` });
  }

  const groups = nonEmpty([...r.all('PermittedLoginGroup'), ...r.all('PermittedLoginGroups'), ...r.all('WhitelistedLoginGroup')]);
  if (groups.length > 0) put(out, provider, base, 'permittedLoginGroups', groups.map((g) => g.value), groups);

  for (const [connectKey, key] of BOOL_KEYS) {
    const value = flag(r, connectKey, out);
    if (value) put(out, provider, base, key, value.on, [value.from]);
  }

  const autoProvision = r.last('GroupsAutoProvision');
  if (autoProvision && parseBool(autoProvision)) out.notes.push(`${r.label} GroupsAutoProvision (line ${autoProvision.line}) moves to Connect's [ProxyAuth] section (see the Connect-side settings).`);
  for (const values of r.unused()) {
    const first = values[0] as GcfgValue;
    const reason = UNSUPPORTED[first.key.toLowerCase()] ?? 'authgate\'s ldap provider has no equivalent setting';
    out.untranslated.push({ section: r.label, key: first.key, line: first.line, message: reason });
  }
  return provider;
}

function serverAddress(
  r: SectionReader,
  base: YamlPath,
  provider: Record<string, unknown>,
  out: Collector,
  tls: boolean,
  startTLS: boolean,
): void {
  const values = r.all('ServerAddress');
  const last = values.at(-1);
  if (!last || last.value.trim() === '') {
    const line = last?.line ?? r.section.line;
    provider['serverAddress'] = [];
    out.annotations.push({ path: [...base, 'serverAddress'], comment: `FILL IN: ${last ? 'ServerAddress is empty' : 'no ServerAddress'} in ${r.label}, line ${line}`, placement: 'inline' });
    out.toFill.push({
      section: r.label,
      key: 'ServerAddress',
      line,
      message: `${last ? 'is empty' : 'is missing'}: fill in ${pathText([...base, 'serverAddress'])} with the directory's address, for example ${tls ? 'ldaps://dc1.example.com:636' : 'ldap://dc1.example.com:389 (with startTLS: true)'}`,
    });
    return;
  }
  const text = last.value.trim();
  const url = /^[a-z]+:\/\//i.test(text) ? text : `${tls ? 'ldaps' : 'ldap'}://${text}`;
  if (!/^ldaps?:\/\/[^/\s]+\/?$/i.test(url) || !URL.canParse(url)) {
    provider['serverAddress'] = [];
    out.toFill.push({ section: r.label, key: 'ServerAddress', line: last.line, message: `"${text}" is not a host[:port] authgate understands: fill in ${pathText([...base, 'serverAddress'])}` });
    return;
  }
  const extra = /^[a-z]+:\/\//i.test(text) ? undefined : tls ? 'with TLS = true' : undefined;
  put(out, provider, base, 'serverAddress', [url.replace(/\/$/, '')], [last], extra);
  if (url.toLowerCase().startsWith('ldap://') && !startTLS) {
    put(out, provider, base, 'allowInsecureLdap', true, [], `Connect used plaintext LDAP (${r.label}, line ${last.line}); prefer ldaps:// or startTLS: true`);
    out.notes.push(`${r.label} connects without TLS (line ${last.line}); the converted provider says allowInsecureLdap: true. Prefer ldaps:// or startTLS: true.`);
  }
  if (values.length > 1) out.notes.push(`${r.label} sets ServerAddress ${values.length} times; Connect used the last (line ${last.line}), and so does the conversion.`);
}

function copyString(r: SectionReader, connectKey: string, key: string, provider: Record<string, unknown>, base: YamlPath, out: Collector): void {
  const value = r.last(connectKey);
  if (value && value.value !== '') put(out, provider, base, key, value.value, [value]);
}

/** A Connect boolean; an unreadable one is reported and treated as unset. */
export function flag(r: SectionReader, key: string, out: Collector): { on: boolean; from: GcfgValue } | undefined {
  const value = r.last(key);
  if (!value) return undefined;
  const on = parseBool(value);
  if (on === undefined) {
    out.untranslated.push({ section: r.label, key: value.key, line: value.line, message: `"${value.value}" is not a boolean (true or false)` });
    return undefined;
  }
  return { on, from: value };
}

export function pathText(p: YamlPath): string {
  return p.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}
