/**
 * Checks the schema cannot express: files exist and parse, secrets are readable and long
 * enough, ids are unique, insecure modes are flagged. Collects every issue; never throws.
 */
import { readFileSync, statSync } from 'node:fs';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { Config } from './schema/index.ts';
import { providerId } from './schema/providers.ts';
import { ldapWarnings } from './schema/ldap.ts';
import { issue, type ConfigIssue } from './issues.ts';
import { readSecret, type SecretContext } from './secrets.ts';

const MIN_SECRET_BYTES = 32;
const MAX_ASSERTION_TTL_MS = 5 * 60_000;

/**
 * Looks `process.user` / `process.group` up in the account database of the system authgate will
 * run on. Injected by the caller (the CLI passes the privileges adapter): validation itself reads
 * no account files, and without a lookup the check is skipped.
 */
export type AccountCheck = (process: Config['process']) => ReadonlyArray<{ key: 'process.user' | 'process.group'; message: string }>;

export interface SemanticContext extends SecretContext {
  accountProblems?: AccountCheck | undefined;
}

export function semanticIssues(config: Config, ctx: SemanticContext): ConfigIssue[] {
  return [
    ...tlsIssues(config, ctx),
    ...sessionIssues(config, ctx),
    ...providerIssues(config, ctx),
    ...identityIssues(config, ctx),
    ...upstreamIssues(config, ctx),
    ...apiKeyIssues(config),
    ...processIssues(config, ctx),
  ];
}

function readable(file: string, key: string, ctx: SecretContext): { text?: string; issue?: ConfigIssue } {
  const resolved = ctx.resolvePath(file);
  try {
    return { text: readFileSync(resolved, 'utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable by this user' : `cannot be read (${code})`;
    return { issue: issue(key, `"${file}" ${why}${resolved !== file ? ` (looked at ${resolved})` : ''}`) };
  }
}

/** Certificates in a PEM text, or a description of why they do not parse. */
function parseCertificates(pem: string): X509Certificate[] | string {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  if (!blocks) return 'holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)';
  try {
    return blocks.map((block) => new X509Certificate(block));
  } catch (error) {
    return `holds a certificate that does not parse (${(error as Error).message})`;
  }
}

function tlsIssues(config: Config, ctx: SecretContext): ConfigIssue[] {
  const tls = config.listen.tls;
  if (!tls) {
    return [issue('listen.tls', 'is absent: a self-signed certificate will be generated (demo only; browsers will warn)', 'warning')];
  }
  const out: ConfigIssue[] = [];
  const cert = readable(tls.certFile, 'listen.tls.certFile', ctx);
  const key = readable(tls.keyFile, 'listen.tls.keyFile', ctx);
  if (cert.issue) out.push(cert.issue);
  if (key.issue) out.push(key.issue);
  let leaf: X509Certificate | undefined;
  if (cert.text !== undefined) {
    const parsed = parseCertificates(cert.text);
    if (typeof parsed === 'string') out.push(issue('listen.tls.certFile', `"${tls.certFile}" ${parsed}`));
    else leaf = parsed[0];
  }
  if (key.text !== undefined) {
    try {
      const privateKey = createPrivateKey(key.text);
      if (leaf && !leaf.checkPrivateKey(privateKey)) {
        out.push(issue('listen.tls.keyFile', `"${tls.keyFile}" does not match the certificate in "${tls.certFile}"; use the key the certificate was issued for`));
      }
    } catch (error) {
      out.push(issue('listen.tls.keyFile', `"${tls.keyFile}" is not a PEM private key (${(error as Error).message}); an encrypted key must be decrypted first`));
    }
  }
  if (leaf && new Date(leaf.validTo).getTime() < Date.now()) {
    out.push(issue('listen.tls.certFile', `"${tls.certFile}" expired on ${leaf.validTo}; renew the certificate`, 'warning'));
  }
  if (tls.caFile) {
    const ca = readable(tls.caFile, 'listen.tls.caFile', ctx);
    if (ca.issue) out.push(ca.issue);
    else if (ca.text !== undefined && typeof parseCertificates(ca.text) === 'string') out.push(issue('listen.tls.caFile', `"${tls.caFile}" ${parseCertificates(ca.text) as string}`));
  }
  return out;
}

/** Session secrets as configured, one per non-empty line. */
export function sessionSecrets(config: Config, ctx: SecretContext): { secrets: string[]; problem?: string } {
  const result = readSecret(config.session as Record<string, unknown>, 'secrets', 'session', ctx);
  if (result.problem) return { secrets: [], problem: result.problem };
  const secrets = (result.value ?? '').split(/\r?\n/).map((s) => s.trim()).filter((s) => s !== '' && !s.startsWith('#'));
  return { secrets };
}

function sessionIssues(config: Config, ctx: SecretContext): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const { secrets, problem } = sessionSecrets(config, ctx);
  // readSecret prefers secretsFile, then secretsEnv: name the key the problem came from.
  if (problem) out.push(issue(config.session.secretsFile === undefined && config.session.secretsEnv !== undefined ? 'session.secretsEnv' : 'session.secretsFile', problem));
  else if (secrets.length === 0 && !config.demo) {
    out.push(issue('session.secretsFile', 'is required: give a file with one secret per line (at least 32 bytes; `openssl rand -base64 48`), session.secretsEnv or AUTHGATE_SESSION_SECRETS'));
  }
  secrets.forEach((secret, index) => {
    if (Buffer.byteLength(secret) < MIN_SECRET_BYTES) {
      out.push(issue('session.secrets', `secret on line ${index + 1} is ${Buffer.byteLength(secret)} bytes; every secret needs at least ${MIN_SECRET_BYTES} (generate one with \`openssl rand -base64 48\`)`));
    }
  });
  if (typeof config.session.secrets === 'string') out.push(issue('session.secrets', 'is inline in the YAML; move it to session.secretsFile or session.secretsEnv', 'warning'));
  if (config.session.idleTimeout > config.session.maxLifetime) {
    out.push(issue('session.idleTimeout', `is longer than session.maxLifetime; it can never take effect`, 'warning'));
  }
  if (config.session.store === 'redis' && !config.redis) out.push(issue('session.store', '"redis" needs a redis section with redis.url'));
  return out;
}

function providerIssues(config: Config, ctx: SecretContext): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const seen = new Map<string, number>();
  config.auth.providers.forEach((provider, index) => {
    const id = providerId(provider);
    const first = seen.get(id);
    if (first !== undefined) out.push(issue(['auth', 'providers', index, 'id'], `"${id}" is already the id of auth.providers[${first}]; give each provider a distinct id`));
    seen.set(id, index);
    if (provider.type === 'local') {
      const users = readable(provider.usersFile, `auth.providers[${index}].usersFile`, ctx);
      if (users.issue) out.push(users.issue);
    }
    if (provider.type === 'ldap') {
      for (const [key, message] of ldapWarnings(provider)) out.push(issue(['auth', 'providers', index, key], message, 'warning'));
    }
  });
  if (config.auth.providers.length === 0 && !config.demo) {
    out.push(issue('auth.providers', 'is empty: nobody can log in; add a local, ldap or oidc provider', 'warning'));
  }
  return out;
}

function identityIssues(config: Config, ctx: SecretContext): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const assertion = config.identity.assertion;
  if (assertion.ttl > MAX_ASSERTION_TTL_MS || assertion.ttl < 10_000) {
    out.push(issue('identity.assertion.ttl', `must be between 10s and 5m (assertions are short-lived)`));
  }
  if (assertion.keyFile) {
    const key = readable(assertion.keyFile, 'identity.assertion.keyFile', ctx);
    if (key.issue) out.push(key.issue);
    else if (key.text !== undefined) {
      const problem = assertionKeyProblem(key.text);
      if (problem) out.push(issue('identity.assertion.keyFile', `"${assertion.keyFile}" ${problem}`));
    }
  }
  out.push(...usernameHeaderIssues(config, ctx));
  if (config.identity.usernameRewrite) {
    try {
      new RegExp(config.identity.usernameRewrite.pattern);
    } catch (error) {
      out.push(issue('identity.usernameRewrite.pattern', `${JSON.stringify(config.identity.usernameRewrite.pattern)} is not a valid regular expression (${(error as Error).message})`));
    }
  }
  return out;
}

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/**
 * The username header named in identity.headers.usernameFile (its one line), or why it cannot be
 * used. Undefined name and problem: the file is not configured.
 */
export function usernameHeaderFromFile(config: Config, ctx: SecretContext): { name?: string; problem?: string } {
  const file = config.identity.headers.usernameFile;
  if (file === undefined) return {};
  const read = readable(file, 'identity.headers.usernameFile', ctx);
  if (read.issue) return { problem: read.issue.message };
  const name = (read.text ?? '').trim();
  if (!HEADER_NAME.test(name)) return { problem: `"${file}" must hold one HTTP header name on one line (such as the one \`authgate workbench-secret\` writes)` };
  return { name };
}

function usernameHeaderIssues(config: Config, ctx: SecretContext): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const headers = config.identity.headers;
  if (headers.usernameFile !== undefined && headers.username !== undefined) {
    out.push(issue('identity.headers.usernameFile', 'is set together with identity.headers.username; keep one (the file keeps the name out of the configuration)'));
  }
  const { problem } = usernameHeaderFromFile(config, ctx);
  if (problem) out.push(issue('identity.headers.usernameFile', problem));
  else if (headers.usernameFile !== undefined) {
    const mode = statSync(ctx.resolvePath(headers.usernameFile)).mode & 0o777;
    if (mode & 0o007) out.push(issue('identity.headers.usernameFile', `"${headers.usernameFile}" is readable by every user (mode ${mode.toString(8).padStart(4, '0')}); the header name is a secret: chmod 600 it`, 'warning'));
  }
  if (config.upstream.profile === 'workbench' && headers.usernameFile === undefined && (headers.username === undefined || headers.username.toLowerCase() === 'x-rstudio-username')) {
    out.push(
      issue(
        'identity.headers.username',
        'the workbench profile sends the username in X-RStudio-Username, a name any program on the Workbench host (code in an R session) can send to rserver on loopback as another user; give Workbench a secret header name: `authgate workbench-secret --out FILE` writes it for identity.headers.usernameFile and prints the rserver.conf lines (docs/workbench.md)',
        'warning',
      ),
    );
  }
  return out;
}

/** Undefined when every PEM private key in the text is a P-256 EC key. */
function assertionKeyProblem(pem: string): string | undefined {
  const blocks = pem.match(/-----BEGIN (?:EC )?PRIVATE KEY-----[\s\S]+?-----END (?:EC )?PRIVATE KEY-----/g);
  if (!blocks) return 'holds no PEM private key; create one with `openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt`';
  for (const block of blocks) {
    try {
      const key = createPrivateKey(block);
      if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') return 'holds a key that is not an EC P-256 key (ES256 needs P-256)';
    } catch (error) {
      return `holds a key that does not parse (${(error as Error).message})`;
    }
  }
  return undefined;
}

function upstreamIssues(config: Config, ctx: SecretContext): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  if (config.upstream.caFile) {
    const ca = readable(config.upstream.caFile, 'upstream.caFile', ctx);
    if (ca.issue) out.push(ca.issue);
  }
  if (config.upstream.passApiKeys && config.upstream.profile !== 'connect') {
    out.push(issue('upstream.passApiKeys', 'only applies to the connect profile'));
  }
  if (config.publicUrl === undefined && !config.demo) {
    out.push(issue('publicUrl', `is not set; using https://localhost:${config.listen.port} for redirects and cookies`, 'warning'));
  }
  return out;
}

/**
 * API keys pass only through rules that name them. passApiKeys with no rule admitting them is an
 * error: every key would be refused (401), which contradicts turning the option on; before rules
 * had to admit keys, passApiKeys let a key skip every rule, so a configuration from then must now
 * say which paths keys may reach.
 */
function apiKeyIssues(config: Config): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const { passApiKeys, profile } = config.upstream;
  const rules = config.authorization.rules;
  if (passApiKeys && profile === 'connect' && !rules.some((r) => r.apiKeys && r.action === 'allow')) {
    out.push(
      issue(
        'upstream.passApiKeys',
        'is true but no rule in authorization.rules admits API keys, so every API-key request would be refused (401); add an allow rule with apiKeys: true for the paths the keys are for, e.g. { name: connect-api-keys, paths: ["/__api__/**"], apiKeys: true, action: allow }, or set passApiKeys: false',
      ),
    );
  }
  rules.forEach((rule, index) => {
    if (!rule.apiKeys) return;
    if (!passApiKeys) out.push(issue(['authorization', 'rules', index, 'apiKeys'], 'has no effect: upstream.passApiKeys is false, so no request is judged as an API key', 'warning'));
    else if (rule.action === 'allow' && rule.paths.length === 0) {
      out.push(issue(['authorization', 'rules', index, 'paths'], `is empty: rule "${rule.name}" admits API-key requests on every path; list the paths the keys are for (Connect's API is /__api__/**)`, 'warning'));
    }
  });
  return out;
}

/** process.user / process.group must name accounts of this system (the privilege drop happens at start). */
function processIssues(config: Config, ctx: SemanticContext): ConfigIssue[] {
  return (ctx.accountProblems?.(config.process) ?? []).map((p) => issue(p.key, p.message));
}
