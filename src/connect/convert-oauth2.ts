/** `[OAuth2]` (Connect's OpenID Connect / Google provider) -> one authgate `type: oidc` provider. */
import path from 'node:path';
import { GOOGLE_ISSUER } from '../config/index.ts';
import type { GcfgValue } from './gcfg.ts';
import { put, type Collector, type YamlPath } from './model.ts';
import { nonEmpty, parseBool, type SectionReader } from './values.ts';
import { pathText } from './convert-ldap.ts';


const CLAIM_KEYS: ReadonlyArray<readonly [string, string]> = [
  ['UsernameClaim', 'usernameClaim'],
  ['GroupsClaim', 'groupsClaim'],
  ['RoleClaim', 'roleClaim'],
];

/** Claims authgate reads under fixed names: a Connect setting equal to the name is a no-op. */
const FIXED_CLAIMS: Record<string, string> = {
  emailclaim: 'email',
  firstnameclaim: 'given_name',
  lastnameclaim: 'family_name',
  uniqueidclaim: 'sub',
};

const UNSUPPORTED: Record<string, string> = {
  groupsbyuniqueid: 'authgate sends group names in X-Auth-Groups and Connect\'s proxy provider matches groups by name',
  registeronfirstlogin: 'user registration happens in Connect: set it in Connect\'s [Authentication] section if you need it',
};

export function convertOAuth2(r: SectionReader, base: YamlPath, out: Collector, options: { id: string; secretsDir: string }): Record<string, unknown> {
  const issuer = r.last('OpenIDConnectIssuer');
  const issuerUrl = issuer && issuer.value.trim() !== '' ? issuer.value.trim() : GOOGLE_ISSUER;
  const provider: Record<string, unknown> = { type: 'oidc', id: options.id, name: issuerUrl === GOOGLE_ISSUER ? 'Google' : 'OpenID Connect' };
  out.annotations.push({ path: base, comment: `from ${r.label} (line ${r.section.line})`, placement: 'before' });
  if (issuer && issuer.value.trim() !== '') put(out, provider, base, 'issuer', issuerUrl, [issuer]);
  else put(out, provider, base, 'issuer', issuerUrl, [], 'no OpenIDConnectIssuer: Connect\'s OAuth2 provider then meant Google');

  const clientId = r.last('ClientId');
  if (clientId && clientId.value !== '') put(out, provider, base, 'clientId', clientId.value, [clientId]);
  else fill(out, r, clientId, base, 'clientId', 'ClientId');

  const secret = r.last('ClientSecret');
  const secretFile = r.last('ClientSecretFile');
  if (secretFile && secretFile.value !== '') {
    put(out, provider, base, 'clientSecretFile', secretFile.value, [secretFile]);
  } else if (secret && secret.value !== '') {
    const fileName = `${options.id}-client-secret`;
    const file = path.posix.join(options.secretsDir, fileName);
    out.secrets.push({ fileName, path: file, source: `${r.label} ClientSecret`, value: secret.value });
    put(out, provider, base, 'clientSecretFile', file, [secret], 'the secret is not copied here: the file must hold it');
  } else {
    fill(out, r, secret, base, 'clientSecretFile', 'ClientSecret');
  }

  const domains = nonEmpty([...r.all('AllowedDomains'), ...r.all('Domain')]);
  if (domains.length > 0) put(out, provider, base, 'allowedDomains', domains.map((d) => d.value.trim()), domains);

  const scopes = nonEmpty(r.all('CustomScope'));
  if (scopes.length > 0) {
    const list = ['openid', 'email', 'profile', ...scopes.map((s) => s.value.trim())];
    put(out, provider, base, 'scopes', [...new Set(list)], scopes, 'authgate\'s default scopes plus Connect\'s CustomScope');
  }

  for (const [connectKey, key] of CLAIM_KEYS) {
    const value = r.last(connectKey);
    if (value && value.value !== '') put(out, provider, base, key, value.value, [value]);
  }

  const logging = r.last('Logging');
  if (logging && parseBool(logging)) out.notes.push(`${r.label} Logging = true (line ${logging.line}): authgate's oidc provider has no logging switch of its own; set logging.level: debug while troubleshooting.`);
  if (issuerUrl !== GOOGLE_ISSUER) {
    out.notes.push(`${r.label}: authgate refuses a login whose email is used unless email_verified is true; for issuers that never send it (Entra ID), add requireVerifiedEmail: false to ${pathText(base)}.`);
  }

  r.use('RequireUsernameClaim'); // authgate always refuses a login without the username claim
  const autoProvision = r.last('GroupsAutoProvision');
  if (autoProvision && parseBool(autoProvision)) out.notes.push(`${r.label} GroupsAutoProvision (line ${autoProvision.line}) moves to Connect's [ProxyAuth] section (see the Connect-side settings).`);

  for (const values of r.unused()) {
    const last = values.at(-1) as GcfgValue;
    const lower = last.key.toLowerCase();
    if (FIXED_CLAIMS[lower] !== undefined && (last.value === '' || last.value === FIXED_CLAIMS[lower])) continue;
    const reason = FIXED_CLAIMS[lower] !== undefined
      ? `authgate reads the "${FIXED_CLAIMS[lower]}" claim for this and cannot rename it`
      : UNSUPPORTED[lower] ?? 'authgate\'s oidc provider has no equivalent setting';
    out.untranslated.push({ section: r.label, key: last.key, line: last.line, message: reason });
  }
  return provider;
}

function fill(out: Collector, r: SectionReader, value: GcfgValue | undefined, base: YamlPath, key: string, connectKey: string): void {
  out.toFill.push({
    section: r.label,
    key: connectKey,
    line: value?.line ?? r.section.line,
    message: `${value ? 'is empty' : 'is missing'}: fill in ${pathText([...base, key])}`,
  });
}
