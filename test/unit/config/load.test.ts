/** Loading a configuration (src/config/load.ts): schema and semantic checks (semantic.ts) and the issues they report (issues.ts). */
import t from 'tap';
import fc from 'fast-check';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfigText, loadConfigFile, type LoadResult } from '../../../src/config/load.ts';
import { formatIssues, type ConfigIssue } from '../../../src/config/issues.ts';
import { sessionSecrets } from '../../../src/config/semantic.ts';
import { makeTestCert } from '../../support/tls.ts';

const SECRET = 'a'.repeat(48);
const ENV = { AUTHGATE_SESSION_SECRETS: SECRET };
const BASE = 'upstream:\n  url: http://127.0.0.1:3939\n';

// Files the semantic checks read: certificates, keys, secrets, users files.
const dir = mkdtempSync(path.join(os.tmpdir(), 'authgate-validate-'));
const cert = makeTestCert('localhost', path.join(dir, 'tls') + (mkdirSync(path.join(dir, 'tls')) ?? ''));
const file = (name: string, text: string): string => {
  const target = path.join(dir, name);
  writeFileSync(target, text);
  return target;
};
const rsaKey = file('rsa.pem', generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
const p384Key = file('p384.pem', generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
const p256Key = file('p256.pem', generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
const garbage = file('garbage.pem', 'hello\n');
const badCert = file('bad-cert.pem', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
const usersFile = file('users.yaml', 'users: []\n');
const secretsOk = file('secrets-ok', `# rotated 2025-01\n${'n'.repeat(40)}\n\n${'o'.repeat(40)}\n`);
const secretsShort = file('secrets-short', `${'n'.repeat(40)}\nshort\n`);

function load(text: string, env: Record<string, string> = ENV, cwd = dir): LoadResult {
  return loadConfigText(text, { env, cwd, fileName: path.join(dir, 'authgate.yaml') });
}
type Shown = { path: string; message: string; line?: number };
const errorsOf = (r: LoadResult): Shown[] =>
  r.ok ? [] : r.issues.filter((i) => i.severity === 'error').map((i) => ({ path: i.path, message: i.message, ...(i.line !== undefined ? { line: i.line } : {}) }));
const warningsOf = (r: LoadResult): string[] => (r.ok ? r.loaded.warnings : r.issues).filter((i) => i.severity === 'warning').map((i) => `${i.path}: ${i.message}`);

const CIDR_HINT = 'is not a CIDR; write an address and a prefix length, for example 10.0.0.0/8 or 2001:db8::/32';
const DURATION_HINT = 'is not a duration; write a number and a unit (ms, s, m, h, d), for example 30s, 15m, 8h or 7d';

interface Case {
  name: string;
  text: string;
  env?: Record<string, string>;
  errors: Shown[];
}

const cases: Case[] = [
  {
    name: 'three mistakes give three messages, in line order',
    text: 'listen:\n  prot: 8443\nupstream:\n  url: ftp://x\nsession:\n  idleTimeout: 8 hours\n',
    errors: [
      { path: 'listen.prot', message: 'unknown key; did you mean "port"?', line: 2 },
      { path: 'upstream.url', message: '"ftp://x" is not a valid URL; write an absolute http or https URL', line: 4 },
      { path: 'session.idleTimeout', message: `"8 hours" ${DURATION_HINT}`, line: 6 },
    ],
  },
  { name: 'unknown top-level key near a known one', text: `${BASE}sesion: {}\n`, errors: [{ path: 'sesion', message: 'unknown key; did you mean "session"?', line: 3 }] },
  {
    name: 'unknown key far from any known one lists the known keys',
    text: `${BASE}identity:\n  headers:\n    nickname: X-Nick\n`,
    errors: [{ path: 'identity.headers.nickname', message: 'unknown key; known keys here: username, email, firstName, lastName, groups, role, uniqueId, usernameFile', line: 5 }],
  },
  {
    name: 'unknown key inside a list item',
    text: `${BASE}authorization:\n  rules:\n    - name: r\n      action: deny\n      pathz: []\n`,
    errors: [{ path: 'authorization.rules[0].pathz', message: 'unknown key; did you mean "paths"?', line: 7 }],
  },
  { name: 'bad duration', text: `${BASE}session:\n  maxLifetime: 7 days\n`, errors: [{ path: 'session.maxLifetime', message: `"7 days" ${DURATION_HINT}`, line: 4 }] },
  { name: 'duration without unit', text: `${BASE}listen:\n  headersTimeout: "20"\n`, errors: [{ path: 'listen.headersTimeout', message: `"20" ${DURATION_HINT}`, line: 4 }] },
  {
    name: 'bad CIDRs, every one reported',
    text: `${BASE}network:\n  allow: [10.0.0.0/33, "10", "10/8", "::1/129", 300.1.1.1, ok]\n`,
    errors: ['10.0.0.0/33', '10', '10/8', '::1/129', '300.1.1.1', 'ok'].map((v, i) => ({ path: `network.allow[${i}]`, message: `"${v}" ${CIDR_HINT}`, line: 4 })),
  },
  {
    name: 'upstream.websocketOrigins takes origins only',
    text: `${BASE}  websocketOrigins:\n    - https://apps.example.com\n    - https://apps.example.com/shiny\n    - apps.example.com\n    - ftp://apps.example.com\n`,
    errors: ['https://apps.example.com/shiny', 'apps.example.com', 'ftp://apps.example.com'].map((v, i) => ({ path: `upstream.websocketOrigins[${i + 1}]`, message: `"${v}" is not an origin; write scheme://host[:port] with no path, for example https://apps.example.com`, line: 5 + i })),
  },
  {
    name: 'listen.formBodyTimeout of 0 is refused (a form body is always time-limited)',
    text: `${BASE}listen:\n  formBodyTimeout: '0'\n`,
    errors: [{ path: 'listen.formBodyTimeout', message: '0 is no limit; a form body is always time-limited: give a duration such as 10s', line: 4 }],
  },
  { name: 'bad CIDR in trustedProxies', text: `${BASE}network:\n  trustedProxies:\n    - 10.0.0.0/8\n    - localhost\n`, errors: [{ path: 'network.trustedProxies[1]', message: `"localhost" ${CIDR_HINT}`, line: 6 }] },
  { name: 'bad CIDR in a rule source', text: `${BASE}authorization:\n  rules:\n    - name: r\n      action: deny\n      sources: [nope]\n`, errors: [{ path: 'authorization.rules[0].sources[0]', message: `"nope" ${CIDR_HINT}`, line: 7 }] },
  { name: 'CIDR list given as a string', text: `${BASE}network:\n  allow: 10.0.0.0/8\n`, errors: [{ path: 'network.allow', message: '"10.0.0.0/8" is not a list', line: 4 }] },
  { name: 'upstream URL with a bad scheme', text: 'upstream:\n  url: ftp://files.example\n', errors: [{ path: 'upstream.url', message: '"ftp://files.example" is not a valid URL; write an absolute http or https URL', line: 2 }] },
  { name: 'upstream URL that is not a URL', text: 'upstream:\n  url: 127.0.0.1:3939\n', errors: [{ path: 'upstream.url', message: '"127.0.0.1:3939" is not a valid URL; write an absolute http or https URL', line: 2 }] },
  { name: 'publicUrl must be https', text: `${BASE}publicUrl: http://rstudio.example.com\n`, errors: [{ path: 'publicUrl', message: '"http://rstudio.example.com" is not a valid URL; write an absolute https URL', line: 3 }] },
  { name: 'redis URL scheme', text: `${BASE}redis:\n  url: http://redis:6379\n`, errors: [{ path: 'redis.url', message: '"http://redis:6379" is not a valid URL; write an absolute redis or rediss URL', line: 4 }] },
  { name: 'missing upstream.url', text: 'upstream: {}\n', errors: [{ path: 'upstream.url', message: 'is required (string)', line: 1 }] },
  { name: 'missing upstream section', text: 'listen:\n  port: 8443\n', errors: [{ path: 'upstream', message: 'is required (a mapping of keys)' }] },
  { name: 'empty file', text: '', errors: [{ path: 'upstream', message: 'is required (a mapping of keys)' }] },
  { name: 'a list at the root', text: '- a\n- b\n', errors: [{ path: '(root)', message: 'must be a mapping of keys (listen, upstream, auth, …)' }] },
  { name: 'a scalar at the root', text: 'hello\n', errors: [{ path: '(root)', message: 'must be a mapping of keys (listen, upstream, auth, …)' }] },
  { name: 'port as a string', text: `${BASE}listen:\n  port: "8443"\n`, errors: [{ path: 'listen.port', message: '"8443" is not a number', line: 4 }] },
  { name: 'port too big', text: `${BASE}listen:\n  port: 70000\n`, errors: [{ path: 'listen.port', message: '70000 is too big: must be at most 65535', line: 4 }] },
  { name: 'port not whole', text: `${BASE}listen:\n  port: 84.5\n`, errors: [{ path: 'listen.port', message: '84.5 is not a whole number', line: 4 }] },
  { name: 'port infinite (shown as Infinity, not null)', text: `${BASE}listen:\n  port: 1e400\n`, errors: [{ path: 'listen.port', message: 'Infinity is not a number', line: 4 }] },
  { name: 'section that is not a mapping', text: `${BASE}listen: 5\n`, errors: [{ path: 'listen', message: '5 is not a mapping of keys', line: 3 }] },
  { name: 'enum value', text: 'upstream:\n  url: http://x\n  profile: rstudio\n', errors: [{ path: 'upstream.profile', message: '"rstudio" is not allowed; use one of "connect", "workbench", "generic"', line: 3 }] },
  { name: 'boolean given as a string', text: `${BASE}demo: "yes"\n`, errors: [{ path: 'demo', message: '"yes" is not a boolean', line: 3 }] },
  {
    name: 'rule with a bad action and websocket value',
    text: `${BASE}authorization:\n  rules:\n    - name: r\n      action: maybe\n      websocket: yes\n`,
    errors: [
      { path: 'authorization.rules[0].action', message: '"maybe" is not allowed; use one of "allow", "deny", "public"', line: 6 },
      { path: 'authorization.rules[0].websocket', message: '"yes" is not allowed; use one of "any", "only", "never"', line: 7 },
    ],
  },
  {
    name: 'both userRoleGroupMapping and userRoleMapping',
    text: `${BASE}authorization:\n  userRoleGroupMapping: true\n  userRoleMapping: true\n`,
    errors: [{ path: 'authorization.userRoleMapping', message: 'true cannot be enabled together with userRoleGroupMapping (as in RStudio Connect); choose group mapping or attribute mapping', line: 5 }],
  },
  {
    name: 'role mapping lists without a mapping mode',
    text: `${BASE}authorization:\n  administratorRoleMapping: [Admins]\n`,
    errors: [{ path: 'authorization.administratorRoleMapping', message: '["Admins"] is set but ignored; set userRoleGroupMapping: true (groups) or userRoleMapping: true (attribute values)', line: 4 }],
  },
  { name: 'assertion ttl over 5m', text: `${BASE}identity:\n  assertion:\n    ttl: 10m\n`, errors: [{ path: 'identity.assertion.ttl', message: 'must be between 10s and 5m (assertions are short-lived)', line: 5 }] },
  { name: 'assertion ttl under 10s', text: `${BASE}identity:\n  assertion:\n    ttl: 5s\n`, errors: [{ path: 'identity.assertion.ttl', message: 'must be between 10s and 5m (assertions are short-lived)', line: 5 }] },
  { name: 'assertion ttl of exactly 5m is fine', text: `${BASE}identity:\n  assertion:\n    ttl: 5m\n`, errors: [] },
  {
    name: 'assertion key that is RSA',
    text: `${BASE}identity:\n  assertion:\n    keyFile: ${rsaKey}\n`,
    errors: [{ path: 'identity.assertion.keyFile', message: `"${rsaKey}" holds a key that is not an EC P-256 key (ES256 needs P-256)`, line: 5 }],
  },
  {
    name: 'assertion key on the wrong curve',
    text: `${BASE}identity:\n  assertion:\n    keyFile: ${p384Key}\n`,
    errors: [{ path: 'identity.assertion.keyFile', message: `"${p384Key}" holds a key that is not an EC P-256 key (ES256 needs P-256)`, line: 5 }],
  },
  {
    name: 'assertion key file without a key',
    text: `${BASE}identity:\n  assertion:\n    keyFile: ${garbage}\n`,
    errors: [{ path: 'identity.assertion.keyFile', message: `"${garbage}" holds no PEM private key; create one with \`openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt\``, line: 5 }],
  },
  { name: 'assertion P-256 key is fine', text: `${BASE}identity:\n  assertion:\n    keyFile: ${p256Key}\n`, errors: [] },
  {
    name: 'invalid username rewrite regex',
    text: `${BASE}identity:\n  usernameRewrite:\n    pattern: "("\n    replacement: x\n`,
    errors: [{ path: 'identity.usernameRewrite.pattern', message: '"(" is not a valid regular expression (Invalid regular expression: /(/: Unterminated group)', line: 5 }],
  },
  { name: 'bad header name', text: `${BASE}identity:\n  headers:\n    username: "X Bad"\n`, errors: [{ path: 'identity.headers.username', message: '"X Bad" must be a valid HTTP header name such as X-Auth-Username', line: 5 }] },
  { name: 'passApiKeys outside the connect profile', text: 'upstream:\n  url: http://x\n  profile: workbench\n  passApiKeys: true\n', errors: [{ path: 'upstream.passApiKeys', message: 'only applies to the connect profile', line: 4 }] },
  {
    name: 'passApiKeys without a rule admitting API keys',
    text: 'upstream:\n  url: http://x\n  profile: connect\n  passApiKeys: true\nauthorization:\n  rules:\n    - { name: keys-out, paths: [/admin], apiKeys: true, action: deny }\n',
    errors: [{ path: 'upstream.passApiKeys', message: 'is true but no rule in authorization.rules admits API keys, so every API-key request would be refused (401); add an allow rule with apiKeys: true for the paths the keys are for, e.g. { name: connect-api-keys, paths: ["/__api__/**"], apiKeys: true, action: allow }, or set passApiKeys: false', line: 4 }],
  },
  {
    name: 'passApiKeys with a rule admitting API keys',
    text: 'upstream:\n  url: http://x\n  profile: connect\n  passApiKeys: true\nauthorization:\n  rules:\n    - { name: connect-api-keys, paths: ["/__api__/**"], apiKeys: true, action: allow }\n',
    errors: [],
  },
  {
    name: 'apiKeys on a public rule',
    text: `${BASE}authorization:\n  rules:\n    - { name: open, paths: [/x], apiKeys: true, action: public }\n`,
    errors: [{ path: 'authorization.rules[0].apiKeys', message: 'true cannot be combined with action: public (a public rule needs no credentials); use action: allow', line: 5 }],
  },
  { name: 'redis store without a redis section', text: `${BASE}session:\n  store: redis\n`, errors: [{ path: 'session.store', message: '"redis" needs a redis section with redis.url', line: 4 }] },
  { name: 'bad cookie name', text: `${BASE}session:\n  cookieName: "bad name"\n`, errors: [{ path: 'session.cookieName', message: '"bad name" must be a cookie name made of letters, digits, _ and -', line: 4 }] },
  // Secrets
  {
    name: 'session secret shorter than 32 bytes (conventional variable)',
    text: BASE,
    env: { AUTHGATE_SESSION_SECRETS: 'short' },
    errors: [{ path: 'session.secrets', message: 'secret on line 1 is 5 bytes; every secret needs at least 32 (generate one with `openssl rand -base64 48`)' }],
  },
  {
    name: 'no session secret anywhere',
    text: BASE,
    env: {},
    errors: [{ path: 'session.secretsFile', message: 'is required: give a file with one secret per line (at least 32 bytes; `openssl rand -base64 48`), session.secretsEnv or AUTHGATE_SESSION_SECRETS' }],
  },
  { name: 'session secrets from a file', text: `${BASE}session:\n  secretsFile: ${secretsOk}\n`, env: {}, errors: [] },
  { name: 'session secrets file relative to the config directory', text: `${BASE}session:\n  secretsFile: secrets-ok\n`, env: {}, errors: [] },
  {
    name: 'short secret on line 2 of a file',
    text: `${BASE}session:\n  secretsFile: ${secretsShort}\n`,
    env: {},
    errors: [{ path: 'session.secrets', message: 'secret on line 2 is 5 bytes; every secret needs at least 32 (generate one with `openssl rand -base64 48`)', line: 4 }],
  },
  {
    name: 'missing secrets file',
    text: `${BASE}session:\n  secretsFile: /nonexistent/secrets\n`,
    env: ENV,
    errors: [{ path: 'session.secretsFile', message: 'cannot read "/nonexistent/secrets" (ENOENT)', line: 4 }],
  },
  { name: 'session secrets from a named variable', text: `${BASE}session:\n  secretsEnv: MY_SECRETS\n`, env: { MY_SECRETS: `${SECRET}\n${'b'.repeat(40)}` }, errors: [] },
  {
    name: 'named secrets variable unset (message names secretsEnv)',
    text: `${BASE}session:\n  secretsEnv: MY_SECRETS\n`,
    env: ENV,
    errors: [{ path: 'session.secretsEnv', message: 'environment variable MY_SECRETS is not set or empty', line: 4 }],
  },
  {
    name: 'secretsEnv that is not a variable name',
    text: `${BASE}session:\n  secretsEnv: 1BAD\n`,
    errors: [{ path: 'session.secretsEnv', message: '"1BAD" must be an environment variable name such as LDAP_BIND_PASSWORD', line: 4 }],
  },
  // TLS files
  { name: 'valid cert and key', text: `${BASE}listen:\n  tls:\n    certFile: ${cert.certFile}\n    keyFile: ${cert.keyFile}\n`, errors: [] },
  { name: 'cert chain with CA file', text: `${BASE}listen:\n  tls:\n    certFile: ${cert.certFile}\n    keyFile: ${cert.keyFile}\n    caFile: ${cert.caFile}\n`, errors: [] },
  {
    name: 'missing cert and key files (relative, looked up in cwd)',
    text: `${BASE}listen:\n  tls:\n    certFile: nope.crt\n    keyFile: nope.key\n`,
    errors: [
      { path: 'listen.tls.certFile', message: `"nope.crt" does not exist (looked at ${path.join(dir, 'nope.crt')})`, line: 5 },
      { path: 'listen.tls.keyFile', message: `"nope.key" does not exist (looked at ${path.join(dir, 'nope.key')})`, line: 6 },
    ],
  },
  {
    name: 'cert/key mismatch',
    text: `${BASE}listen:\n  tls:\n    certFile: ${cert.certFile}\n    keyFile: ${path.join(cert.dir, 'ca.key')}\n`,
    errors: [{ path: 'listen.tls.keyFile', message: `"${path.join(cert.dir, 'ca.key')}" does not match the certificate in "${cert.certFile}"; use the key the certificate was issued for`, line: 6 }],
  },
  {
    name: 'cert file holding a key',
    text: `${BASE}listen:\n  tls:\n    certFile: ${cert.keyFile}\n    keyFile: ${cert.keyFile}\n`,
    errors: [{ path: 'listen.tls.certFile', message: `"${cert.keyFile}" holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)`, line: 5 }],
  },
  {
    name: 'cert that does not parse',
    text: `${BASE}listen:\n  tls:\n    certFile: ${badCert}\n    keyFile: ${cert.keyFile}\n`,
    errors: [{ path: 'listen.tls.certFile', message: `"${badCert}" holds a certificate that does not parse (error:068000A8:asn1 encoding routines::wrong tag)`, line: 5 }],
  },
  {
    name: 'certFile missing from tls',
    text: `${BASE}listen:\n  tls:\n    keyFile: ${cert.keyFile}\n`,
    errors: [{ path: 'listen.tls.certFile', message: 'is required (string)', line: 5 }],
  },
  // Providers
  {
    name: 'local provider without usersFile',
    text: `${BASE}auth:\n  providers:\n    - type: local\n`,
    errors: [{ path: 'auth.providers[0].usersFile', message: 'is required (string)', line: 5 }],
  },
  {
    name: 'local provider whose users file does not exist',
    text: `${BASE}auth:\n  providers:\n    - type: local\n      usersFile: /nonexistent/users.yaml\n`,
    errors: [{ path: 'auth.providers[0].usersFile', message: '"/nonexistent/users.yaml" does not exist', line: 6 }],
  },
  {
    name: 'two providers with the same id',
    text: `${BASE}auth:\n  providers:\n    - type: local\n      usersFile: ${usersFile}\n    - type: local\n      usersFile: ${usersFile}\n`,
    errors: [{ path: 'auth.providers[1].id', message: '"local-accounts" is already the id of auth.providers[0]; give each provider a distinct id', line: 7 }],
  },
  { name: 'provider that is not a mapping', text: `${BASE}auth:\n  providers:\n    - 5\n`, errors: [{ path: 'auth.providers[0]', message: '5 is not a mapping of keys', line: 5 }] },
  // YAML syntax
  {
    name: 'YAML syntax error carries its line',
    text: 'upstream:\n  url: [\n',
    errors: [{ path: '(yaml)', message: 'Flow sequence in block collection must be sufficiently indented and end with a ] (column 1)', line: 3 }],
  },
  { name: 'duplicate key is a YAML error with a line', text: 'upstream:\n  url: http://x\n  url: http://y\n', errors: [{ path: '(yaml)', message: 'Map keys must be unique (column 3)', line: 3 }] },
  { name: 'tab indentation', text: 'upstream:\n\turl: http://x\n', errors: [{ path: '(yaml)', message: 'Tabs are not allowed as indentation (column 1)', line: 2 }] },
  { name: 'alias to an undefined anchor is an issue, not a crash', text: `${BASE}a: *unknown\n`, errors: [{ path: '(yaml)', message: 'Unresolved alias (the anchor must be set before the alias): unknown' }] },
  {
    name: 'alias bomb is an issue, not a crash',
    text: 'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n',
    errors: [{ path: '(yaml)', message: 'Excessive alias count indicates a resource exhaustion attack' }],
  },
  {
    name: 'upstream.passHeaders: a header authgate sets is refused, in any spelling; a third-party one is accepted',
    text: 'upstream:\n  url: http://127.0.0.1:3939\n  passHeaders: [X-Remote-User, x_real_ip, X-Request-Id, X_FORWARDED_HOST, Host, X-Auth-Username, x-authgate-assertion, "bad name"]\n',
    errors: [
      ...['x_real_ip', 'X-Request-Id', 'X_FORWARDED_HOST', 'Host', 'X-Auth-Username', 'x-authgate-assertion'].map((name, i) => ({
        path: `upstream.passHeaders[${i + 1}]`,
        message: `"${name}" is set by authgate itself (Host, X-Forwarded-*, Forwarded, X-Real-IP, X-Request-Id, X-Auth-*, X-RStudio-*, X-Authgate-*); a client's copy is never passed`,
        line: 3,
      })),
      { path: 'upstream.passHeaders[7]', message: '"bad name" must be a valid HTTP header name such as X-Auth-Username', line: 3 },
    ],
  },
  {
    name: 'network.allowedHosts: host names with an optional port only',
    text: `${BASE}network:\n  allowedHosts: [authgate.internal:8443, "10.0.0.7", "https://x", "x/y", "x:99999"]\n`,
    errors: [
      { path: 'network.allowedHosts[2]', message: '"https://x" must be a host name or IP address with an optional :port, such as authgate.internal:8443', line: 4 },
      { path: 'network.allowedHosts[3]', message: '"x/y" must be a host name or IP address with an optional :port, such as authgate.internal:8443', line: 4 },
      { path: 'network.allowedHosts[4]', message: '"x:99999" must be a host name or IP address with an optional :port, such as authgate.internal:8443', line: 4 },
    ],
  },
  {
    name: 'identity.groupsSeparator: punctuation or space, not % or letters',
    text: `${BASE}identity:\n  groupsSeparator: "%"\n`,
    errors: [{ path: 'identity.groupsSeparator', message: '"%" must be 1 to 3 ASCII punctuation or space characters other than % (such as "," or "|")', line: 4 }],
  },
  { name: 'identity.groupsSeparator: a hex digit would clash with the escapes', text: `${BASE}identity:\n  groupsSeparator: A\n`, errors: [{ path: 'identity.groupsSeparator', message: '"A" must be 1 to 3 ASCII punctuation or space characters other than % (such as "," or "|")', line: 4 }] },
  { name: 'identity.groupsSeparator: "; " and "|" are fine', text: `${BASE}identity:\n  groupsSeparator: "; "\n`, errors: [] },
  { name: 'several documents', text: `${BASE}---\nb: 2\n`, errors: [{ path: '(yaml)', message: 'Source contains multiple documents; please use YAML.parseAllDocuments() (column 1)', line: 3 }] },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const result = load(c.text, c.env ?? ENV);
    t.same(errorsOf(result), c.errors);
    t.equal(result.ok, c.errors.length === 0, 'ok exactly when there is no error');
  });
}

t.test('wrong provider type names the allowed types', async (t) => {
  const errors = errorsOf(load(`${BASE}auth:\n  providers:\n    - type: ldapx\n      name: a\n`));
  t.equal(errors.length, 1);
  t.equal(errors[0]?.path, 'auth.providers[0].type');
  t.equal(errors[0]?.line, 5);
  t.match(errors[0]?.message, /^"ldapx" is not a valid type; use one of local(, |$)/);
});

t.test('provider without a type', async (t) => {
  const errors = errorsOf(load(`${BASE}auth:\n  providers:\n    - {}\n`));
  t.equal(errors[0]?.path, 'auth.providers[0].type');
  t.match(errors[0]?.message, /^\(missing\) is not a valid type; use one of local/);
});

t.test('a configuration over 4 MiB is refused', async (t) => {
  const text = `${BASE}#${'x'.repeat(4 * 1024 * 1024)}\n`;
  t.same(errorsOf(load(text)), [{ path: '(file)', message: `is ${text.length} bytes; a configuration over 4 MiB is refused` }]);
});

t.test('warnings: absent TLS, no providers, no publicUrl, idle longer than lifetime, inline secret', async (t) => {
  const result = load(`${BASE}session:\n  secrets: ${SECRET}\n  idleTimeout: 8h\n  maxLifetime: 1h\n`, {});
  t.equal(result.ok, true);
  t.same(warningsOf(result).sort(), [
    'auth.providers: is empty: nobody can log in; add a local, ldap or oidc provider',
    'listen.tls: is absent: a self-signed certificate will be generated (demo only; browsers will warn)',
    'publicUrl: is not set; using https://localhost:8443 for redirects and cookies',
    'session.idleTimeout: is longer than session.maxLifetime; it can never take effect',
    'session.secrets: is inline in the YAML; move it to session.secretsFile or session.secretsEnv',
  ]);
});

t.test('warnings: a rule admitting API keys without passApiKeys, or on every path', async (t) => {
  const off = load(`${BASE}authorization:\n  rules:\n    - { name: keys, paths: ["/__api__/**"], apiKeys: true, action: allow }\n`);
  t.same(warningsOf(off).filter((w) => w.startsWith('authorization')), ['authorization.rules[0].apiKeys: has no effect: upstream.passApiKeys is false, so no request is judged as an API key']);
  const everywhere = load('upstream:\n  url: http://x\n  passApiKeys: true\nauthorization:\n  rules:\n    - { name: all-keys, apiKeys: true, action: allow }\n');
  t.equal(everywhere.ok, true);
  t.same(warningsOf(everywhere).filter((w) => w.startsWith('authorization')), [
    'authorization.rules[0].paths: is empty: rule "all-keys" admits API-key requests on every path; list the paths the keys are for (Connect\'s API is /__api__/**)',
  ]);
});

t.test('demo mode needs no secret, provider or publicUrl', async (t) => {
  const result = load(`${BASE}demo: true\n`, {});
  t.equal(result.ok, true);
  t.same(warningsOf(result), ['listen.tls: is absent: a self-signed certificate will be generated (demo only; browsers will warn)']);
});

t.test('defaults are applied and durations parsed', async (t) => {
  const result = load(`${BASE}session:\n  idleTimeout: 30m\n`);
  if (!result.ok) throw new Error(formatIssues(result.issues));
  const { config } = result.loaded;
  t.equal(config.listen.port, 8443);
  t.equal(config.listen.address, '0.0.0.0');
  t.equal(config.session.idleTimeout, 1_800_000);
  t.equal(config.session.maxLifetime, 7 * 86_400_000);
  t.same(config.network.allow, ['0.0.0.0/0', '::/0']);
  t.equal(config.identity.assertion.ttl, 300_000);
  t.equal(config.upstream.profile, 'connect');
  t.equal(config.authorization.defaultAction, 'allow');
});

t.test('session secrets: file order kept, comments and blank lines skipped', async (t) => {
  const result = load(`${BASE}session:\n  secretsFile: ${secretsOk}\n`, {});
  if (!result.ok) throw new Error(formatIssues(result.issues));
  t.same(sessionSecrets(result.loaded.config, result.loaded), { secrets: ['n'.repeat(40), 'o'.repeat(40)] });
});

t.test('session secrets: secretsFile wins over the conventional variable', async (t) => {
  const result = load(`${BASE}session:\n  secretsFile: ${secretsOk}\n`, ENV);
  if (!result.ok) throw new Error(formatIssues(result.issues));
  t.same(sessionSecrets(result.loaded.config, result.loaded).secrets, ['n'.repeat(40), 'o'.repeat(40)]);
});

t.test('session secrets: secretsEnv, several lines', async (t) => {
  const result = load(`${BASE}session:\n  secretsEnv: MY_SECRETS\n`, { MY_SECRETS: `${SECRET}\r\n${'b'.repeat(40)}\n` });
  if (!result.ok) throw new Error(formatIssues(result.issues));
  t.same(sessionSecrets(result.loaded.config, result.loaded).secrets, [SECRET, 'b'.repeat(40)]);
});

t.test('session secrets: AUTHGATE_SESSION_SECRETS convention', async (t) => {
  const result = load(BASE, { AUTHGATE_SESSION_SECRETS: `${SECRET}\n${'c'.repeat(33)}` });
  if (!result.ok) throw new Error(formatIssues(result.issues));
  t.same(sessionSecrets(result.loaded.config, result.loaded).secrets, [SECRET, 'c'.repeat(33)]);
});

t.test('relative files resolve against the config directory when not in cwd', async (t) => {
  const text = `${BASE}listen:\n  tls:\n    certFile: tls/server.crt\n    keyFile: tls/server.key\n`;
  t.same(errorsOf(loadConfigText(text, { env: ENV, cwd: os.tmpdir(), fileName: path.join(dir, 'authgate.yaml') })), []);
  const without = errorsOf(loadConfigText(text, { env: ENV, cwd: os.tmpdir() }));
  t.same(without.map((e) => e.path), ['listen.tls.certFile', 'listen.tls.keyFile']);
});

t.test('loadConfigFile reads a file and reports a missing one', async (t) => {
  const configFile = file('good.yaml', BASE);
  const ok = loadConfigFile(configFile, { env: ENV });
  t.equal(ok.ok, true);
  if (ok.ok) t.equal(ok.loaded.fileName, configFile);
  t.same(errorsOf(loadConfigFile(path.join(dir, 'absent.yaml'), { env: ENV })), [{ path: '(file)', message: `cannot read ${path.join(dir, 'absent.yaml')} (no such file)` }]);
});

t.test('formatIssues puts file, line, severity and path in front', async (t) => {
  const issues: ConfigIssue[] = [
    { path: 'listen.prot', message: 'unknown key; did you mean "port"?', severity: 'error', line: 2 },
    { path: 'publicUrl', message: 'is not set', severity: 'warning' },
  ];
  t.equal(formatIssues(issues, 'authgate.yaml'), 'authgate.yaml:2: listen.prot: unknown key; did you mean "port"?\nauthgate.yaml: warning: publicUrl: is not set');
  t.equal(formatIssues(issues), 'line 2: listen.prot: unknown key; did you mean "port"?\nwarning: publicUrl: is not set');
});

// Properties: whatever the text, loadConfigText returns ok or issues; it never throws.
const yamlToken = fc.constantFrom(
  'upstream', 'url', 'listen', 'port', 'tls', 'certFile', 'session', 'auth', 'providers', 'type', 'local', 'network', 'allow', 'rules',
  ':', ': ', ' ', '  ', '\n', '\n  ', '\n    ', '- ', '[', ']', '{', '}', ',', '"', "'", '#', '&a ', '*a', '!!binary ', '!!set ', '!!map ', '!!str ',
  '|', '>', '? ', '%YAML 1.2\n', '---\n', '...\n', '\t', 'http://x', '10.0.0.0/8', '8h', '1e400', '.nan', '~', 'null', 'true', '<<: *a', '__proto__', '\u0000', '\uFEFF',
);
const yamlish = fc.oneof(fc.array(yamlToken, { maxLength: 60 }).map((a) => a.join('')), fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }));

function neverThrows(text: string): void {
  const result = loadConfigText(text, { env: ENV, cwd: dir, fileName: path.join(dir, 'authgate.yaml') });
  if (result.ok) return;
  if (!Array.isArray(result.issues) || result.issues.length === 0) throw new Error('not ok without issues');
  for (const i of result.issues) if (typeof i.path !== 'string' || typeof i.message !== 'string') throw new Error('malformed issue');
}

t.test('property: random YAML-ish text never makes loadConfigText throw', async (t) => {
  const warn = process.emitWarning;
  process.emitWarning = () => {}; // the yaml package warns about collection keys
  try {
    fc.assert(fc.property(yamlish, neverThrows), { numRuns: 1500 });
  } finally {
    process.emitWarning = warn;
  }
  t.pass('no counterexample');
});

t.test('property: random JSON documents never make loadConfigText throw', async (t) => {
  fc.assert(fc.property(fc.jsonValue({ maxDepth: 5 }), (value) => neverThrows(JSON.stringify(value))), { numRuns: 1000 });
  t.pass('no counterexample');
});

const PATHS: string[][] = [
  ['listen'], ['listen', 'port'], ['listen', 'tls'], ['listen', 'tls', 'certFile'], ['listen', 'tls', 'keyFile'], ['listen', 'tls', 'caFile'], ['listen', 'headersTimeout'],
  ['publicUrl'], ['network', 'allow'], ['network', 'trustedProxies'], ['upstream', 'url'], ['upstream', 'profile'], ['upstream', 'caFile'], ['upstream', 'passApiKeys'],
  ['session', 'secretsFile'], ['session', 'secretsEnv'], ['session', 'secrets'], ['session', 'idleTimeout'], ['session', 'store'], ['redis'],
  ['auth', 'providers'], ['auth', 'providers', '0'], ['auth', 'providers', '0', 'usersFile'], ['auth', 'providers', '0', 'type'], ['auth', 'providers', '0', 'id'],
  ['authorization', 'rules'], ['authorization', 'rules', '0', 'paths'], ['authorization', 'rules', '0', 'sources'], ['authorization', 'userRoleMapping'],
  ['identity', 'assertion', 'ttl'], ['identity', 'assertion', 'keyFile'], ['identity', 'usernameRewrite'], ['identity', 'headers'], ['demo'],
];
const VALUES = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom('', '\u0000', '../../etc/passwd', dir, cert.certFile, cert.keyFile, '30s', '0', '10.0.0.0/8', 'https://x', 'ldap', 'oidc', 'local', { pattern: '(', replacement: '' }, { type: 'local' }),
);

t.test('property: valid configurations with one random value never make loadConfigText throw', async (t) => {
  const base = () => ({
    upstream: { url: 'http://127.0.0.1:3939' },
    auth: { providers: [{ type: 'local', usersFile }] },
    authorization: { rules: [{ name: 'r', paths: ['/x'], action: 'deny' }] },
  });
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.constantFrom(...PATHS), VALUES), { minLength: 1, maxLength: 3 }), (edits) => {
      const config: Record<string, unknown> = base();
      for (const [keys, value] of edits) {
        let node = config;
        for (let i = 0; i < keys.length - 1; i++) {
          const key = keys[i] as string;
          if (typeof node[key] !== 'object' || node[key] === null) node[key] = /^\d+$/.test(keys[i + 1] as string) ? [{}] : {};
          node = node[key] as Record<string, unknown>;
        }
        node[keys[keys.length - 1] as string] = structuredClone(value);
      }
      neverThrows(JSON.stringify(config));
    }),
    { numRuns: 1000 },
  );
  t.pass('no counterexample');
});

t.test('LDAP insecure opt-ins are warned with their key (check-config prints them, serve logs them)', async (t) => {
  const ldap = [
    'auth:',
    '  providers:',
    '    - type: ldap',
    '      name: Lab',
    '      serverAddress: ldap://127.0.0.1:389',
    '      allowInsecureLdap: true',
    '      serverTLSInsecure: true',
    '      bindDN: cn=svc',
    '      bindPassword: inline-password',
    '      userSearchBaseDN: dc=example,dc=com',
    '      userObjectClass: person',
  ].join('\n');
  const result = load(`${BASE}${ldap}\n`);
  t.equal(result.ok, true);
  t.same(warningsOf(result).filter((w) => w.startsWith('auth.')), [
    'auth.providers[0].allowInsecureLdap: is true: passwords are sent to the LDAP server in clear text; use ldaps:// or startTLS: true',
    'auth.providers[0].serverTLSInsecure: is true: LDAP server certificates are NOT verified; set tlsCACertificate instead',
    'auth.providers[0].bindPassword: is inline; prefer bindPasswordFile or bindPasswordEnv',
  ]);
});

t.test('process.user / process.group are checked by the injected account lookup; validation itself reads no account files', async (t) => {
  const text = `${BASE}process:\n  user: nobody-here\n  group: staff\n`;
  const seen: unknown[] = [];
  const accountProblems = (p: { user?: string | undefined; group?: string | undefined }) => {
    seen.push({ user: p.user, group: p.group });
    return [{ key: 'process.user' as const, message: '"nobody-here" does not exist on this system' }];
  };
  const r = loadConfigText(text, { env: ENV, cwd: dir, fileName: path.join(dir, 'authgate.yaml'), accountProblems });
  t.same(seen, [{ user: 'nobody-here', group: 'staff' }], 'the lookup is asked about the process section');
  t.same(errorsOf(r), [{ path: 'process.user', message: '"nobody-here" does not exist on this system', line: 4 }]);
  t.equal(load(text).ok, true, 'without a lookup the account check is skipped');
});
