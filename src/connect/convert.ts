/**
 * Converts a parsed Connect configuration into an authgate configuration (pure: the
 * caller reads the file and writes any secrets). Every `[LDAP "name"]` becomes one ldap
 * provider, `[OAuth2]` an oidc provider, `[Authorization]` the authorization section,
 * `[Server]`/`[HTTPS]`/`[HTTP]` the listener, publicUrl and upstream.
 */
import path from 'node:path';
import { sectionsNamed, type GcfgDocument, type GcfgValue } from './gcfg.ts';
import { newCollector, put, type Collector, type Finding, type SecretOutput } from './model.ts';
import { convertDuration, parseBool, readSection, type SectionReader } from './values.ts';
import { convertLdap } from './convert-ldap.ts';
import { convertOAuth2 } from './convert-oauth2.ts';
import { convertAuthorization } from './convert-authorization.ts';
import { convertServer } from './convert-server.ts';
import { addApiKeyRule } from './api-keys.ts';
import { connectSideSettings } from './connect-side.ts';
import { renderYaml } from './yaml-out.ts';

const DEFAULT_SECRETS_DIR = '/etc/authgate/secrets';

export interface ConvertOptions {
  /** Absolute directory the *File keys point into (where --write-secrets writes). */
  secretsDir?: string;
}

export interface ConnectConversion {
  /** The authgate configuration as YAML, with comments citing the Connect keys. */
  yaml: string;
  config: Record<string, unknown>;
  /** Connect keys that were left out, with the reason. */
  untranslated: Finding[];
  /** Values someone must supply before the configuration is usable. */
  toFill: Finding[];
  notes: string[];
  /** `[Authorization]` keys that stay in Connect (what each role may do inside Connect). */
  kept: string[];
  /** Secrets for the *File keys; never printed. */
  secrets: SecretOutput[];
  /** gcfg text to apply to Connect's configuration. */
  connectSide: string;
  /** Nothing left out and nothing to fill in. */
  complete: boolean;
}

const ROLE_MAPPING_KEYS = ['UserRoleGroupMapping', 'ViewerRoleMapping', 'PublisherRoleMapping', 'AdministratorRoleMapping', 'UserRoleMappingRestrictive'];

export function convertConnect(doc: GcfgDocument, options: ConvertOptions = {}): ConnectConversion {
  const out = newCollector(doc.file);
  const secretsDir = options.secretsDir ?? DEFAULT_SECRETS_DIR;
  const one = (name: string): SectionReader | undefined => {
    const found = sectionsNamed(doc, name);
    return found[0] ? readSection(found[0]) : undefined;
  };

  const authn = one('Authentication');
  const connectProvider = authn ? authentication(authn, out) : undefined;
  const server = convertServer({ server: one('Server'), https: one('HTTPS'), http: one('HTTP'), httpRedirect: one('HTTPRedirect') }, out);

  const session: Record<string, unknown> = {};
  const sessionFile = path.posix.join(secretsDir, 'session-secrets');
  out.secrets.push({ fileName: 'session-secrets', path: sessionFile, source: 'session secret (new)', value: undefined });
  put(out, session, ['session'], 'secretsFile', sessionFile, [], 'new: one random secret of at least 32 bytes per line');
  for (const [connectKey, key] of [['Lifetime', 'maxLifetime'], ['Inactivity', 'idleTimeout']] as const) {
    const value = authn?.last(connectKey);
    if (!authn || !value || value.value === '') continue;
    const converted = convertDuration(value.value);
    if (converted) put(out, session, ['session'], key, converted, [value], undefined, authn.label);
    else out.untranslated.push({ section: authn.label, key: value.key, line: value.line, message: `"${value.value}" is not a duration authgate can express (at least 1ms)` });
  }

  const providers: Record<string, unknown>[] = [];
  const replaced: string[] = [];
  let groupsAutoProvision = false;
  const ids = new Set<string>();
  for (const section of sectionsNamed(doc, 'LDAP')) {
    const r = readSection(section);
    const name = section.subsection ?? section.name;
    const { id } = uniqueId(slug(name), ids);
    providers.push(convertLdap(r, ['auth', 'providers', providers.length], out, { id, explicitId: id !== derivedId(name), secretsDir }));
    groupsAutoProvision ||= autoProvision(r);
    replaced.push(r.label);
  }
  for (const section of sectionsNamed(doc, 'OAuth2')) {
    const r = readSection(section);
    const issuer = r.last('OpenIDConnectIssuer')?.value.trim();
    const { id } = uniqueId(issuer ? 'oidc' : 'google', ids);
    providers.push(convertOAuth2(r, ['auth', 'providers', providers.length], out, { id, secretsDir }));
    groupsAutoProvision ||= autoProvision(r);
    replaced.push(r.label);
  }
  unsupportedSections(doc, out);
  if (providers.length === 0) {
    out.toFill.push({ section: '(file)', key: '', line: 1, message: `no [LDAP "…"] or [OAuth2] section${connectProvider ? ` (Connect's provider is "${connectProvider}")` : ''}: add a provider under auth.providers` });
  }

  const authz = one('Authorization');
  const authorization = authz ? convertAuthorization(authz, out) : undefined;

  const config: Record<string, unknown> = { listen: server.listen };
  if (server.publicUrl) config['publicUrl'] = server.publicUrl;
  else out.notes.push('Connect\'s [Server] Address is not set: add publicUrl (the https URL browsers use) before going live; Connect\'s [Server] Address must be the same URL.');
  config['upstream'] = server.upstream;
  config['session'] = session;
  config['auth'] = { providers };
  const authorizationOut = authorization?.authorization ?? {};
  if (server.upstream['passApiKeys'] === true) addApiKeyRule(authorizationOut, out);
  if (Object.keys(authorizationOut).length > 0) config['authorization'] = authorizationOut;

  const header = [
    ` authgate configuration converted from ${path.basename(doc.file)} by \`authgate import-connect\`.`,
    ' Each comment names the Connect key (and line) a value came from.',
    ' Secrets are never copied here: each *File key names a file that must hold the secret.',
  ].join('\n');
  const roleKeys = authz ? ROLE_MAPPING_KEYS.filter((k) => authz.section.values.has(k.toLowerCase())) : [];
  return {
    yaml: renderYaml(config, out.annotations, header),
    config,
    untranslated: out.untranslated,
    toFill: out.toFill,
    notes: out.notes,
    kept: authorization?.kept ?? [],
    secrets: out.secrets,
    connectSide: connectSideSettings({
      publicUrl: server.publicUrl,
      upstreamUrl: (server.upstream['url'] as string),
      groupsAutoProvision,
      replacedSections: replaced,
      hadHttps: one('HTTPS') !== undefined,
      roleMappingKeys: roleKeys,
    }),
    complete: out.untranslated.length === 0 && out.toFill.length === 0,
  };
}

/** `[Authentication]`: which provider Connect used; the session lifetimes are read by the caller. */
function authentication(r: SectionReader, out: Collector): string | undefined {
  const provider = r.last('Provider');
  r.use('Lifetime', 'Inactivity');
  const name = provider?.value.trim().toLowerCase();
  const reasons: Record<string, string> = {
    pam: 'authgate has no PAM provider; use an ldap provider against the same directory, or local accounts',
    saml: 'authgate has no SAML provider; use an oidc provider if your identity provider speaks OpenID Connect',
    password: 'Connect\'s built-in accounts live in its database and cannot be exported; create local accounts (authgate hash-password) or use a directory',
  };
  if (provider && name && reasons[name]) out.untranslated.push({ section: r.label, key: provider.key, line: provider.line, message: reasons[name] as string });
  if (name === 'proxy') out.notes.push(`${r.label} Provider = proxy (line ${provider?.line}): Connect already trusts a proxy; authgate replaces it, and its [ProxyAuth] header names must match the Connect-side settings below.`);
  for (const values of r.unused()) {
    const first = values[0] as GcfgValue;
    out.untranslated.push({ section: r.label, key: first.key, line: first.line, message: 'authgate has no equivalent; if it governs Connect itself, keep it in Connect\'s configuration' });
  }
  return name;
}

function unsupportedSections(doc: GcfgDocument, out: Collector): void {
  const reasons: Record<string, string> = {
    saml: 'authgate has no SAML provider',
    pam: 'authgate has no PAM provider',
  };
  for (const section of doc.sections) {
    const reason = reasons[section.name.toLowerCase()];
    if (reason) out.untranslated.push({ section: readSection(section).label, key: '', line: section.line, message: reason });
  }
}

function autoProvision(r: SectionReader): boolean {
  const value = r.section.values.get('groupsautoprovision')?.at(-1);
  return value !== undefined && parseBool(value) === true;
}

/** The provider id authgate derives from a name: lower-cased, non-alphanumerics as "-". */
function derivedId(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'provider';
}

/** A valid id (at most 63 characters) close to the derived one. */
function slug(name: string): string {
  return derivedId(name).slice(0, 63).replace(/-+$/, '') || 'provider';
}

function uniqueId(wanted: string, taken: Set<string>): { id: string } {
  let id = wanted;
  for (let n = 2; taken.has(id); n++) id = `${wanted.slice(0, 59).replace(/-+$/, '')}-${n}`;
  taken.add(id);
  return { id };
}
