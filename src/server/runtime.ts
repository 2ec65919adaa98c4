/** Everything a request needs, built once from a loaded configuration (and rebuilt on reload). */
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { Config, LoadedConfig } from '../config/index.ts';
import { sessionSecrets, usernameHeaderFromFile } from '../config/index.ts';
import { compileNetworkPolicy, type NetworkPolicy } from '../net/index.ts';
import { compileRules, type RuleSet } from '../policy/index.ts';
import { acceptedHosts, createUpstream, HeaderNames, identityStripper, ownCookieMatcher, websocketOriginPolicy, type AcceptedHosts, type IdentityStripper, type OriginPolicy, type ResponsePolicy, type Upstream, type UpgradeTarget } from '../proxy/index.ts';
import { deriveSessionKeys, createSharedStore, SessionManager, type SessionKeys, type SharedStore } from '../session/index.ts';
import { ALWAYS_STRIPPED, assertionSigner, generatedKeySet, headerPlan, identityHeaders, keySetFromPem, STRIPPED_PREFIXES, THIRD_PARTY_PREFIXES, WORKBENCH_REFRESH_HEADER, type AssertionSigner, type HeaderPlan, type KeySet } from '../identity/index.ts';
import { createThrottle, type Throttle } from '../auth/throttle.ts';
import { createProviders, type ProviderEntry } from '../auth/registry.ts';
import type { LocalUser } from '../auth/local/index.ts';
import type { AuditLog, Logger } from '../observability/index.ts';
import { createMetrics, type Metrics } from '../observability/index.ts';
import { webSocketRegistry, type WebSocketRegistry } from '../session/websockets.ts';
import { HotPathCaches } from './hot-path.ts';

export interface Runtime {
  config: Config;
  loaded: LoadedConfig;
  publicUrl: URL;
  network: NetworkPolicy;
  rules: RuleSet;
  upstream: Upstream;
  upgradeTarget: UpgradeTarget;
  sessionKeys: SessionKeys;
  sessions: SessionManager;
  store: SharedStore;
  providers: ProviderEntry[];
  providersById: Map<string, ProviderEntry>;
  throttle: Throttle;
  keySet: KeySet;
  signer: AssertionSigner;
  plan: HeaderPlan;
  stripper: IdentityStripper;
  /** Host headers accepted, and the public host the upstream receives. */
  hosts: AcceptedHosts;
  /** What of the upstream's responses is never passed on (authgate's cookies, HSTS), and authgate's HSTS. */
  responses: ResponsePolicy;
  rewriteUsername: ((username: string) => string) | undefined;
  logger: Logger;
  audit: AuditLog;
  metrics: Metrics;
  now: () => number;
  websockets: WebSocketRegistry;
  /** Membership refreshes in flight, by session id (one per session at a time). */
  refreshing: Map<string, Promise<unknown>>;
  /** Last failed refresh attempt per session id, so a dead directory is not hammered. */
  refreshFailedAt: Map<string, number>;
  /** What the request path remembers between requests to save CPU (request ids, per-connection memos, header kinds, identity headers, the readiness probe); dropped with the runtime. */
  hotPath: HotPathCaches;
  /** Which pages may open WebSockets: publicUrl's origin and upstream.websocketOrigins. */
  originPolicy: OriginPolicy;
}

export interface RuntimeDeps {
  loaded: LoadedConfig;
  logger: Logger;
  audit: AuditLog;
  now?: () => number;
  demoUsers?: LocalUser[];
  /** Carry the key set across reloads when no key file is configured (the JWKS must not change). */
  previousKeySet?: KeySet;
  previousStore?: SharedStore;
  previousMetrics?: Metrics;
  previousWebSockets?: WebSocketRegistry;
}

export async function buildRuntime(deps: RuntimeDeps): Promise<Runtime> {
  const { loaded, logger } = deps;
  const config = loaded.config;
  const now = deps.now ?? Date.now;
  const publicUrl = new URL(config.publicUrl ?? `https://localhost:${config.listen.port}`);

  let { secrets } = sessionSecrets(config, loaded);
  if (secrets.length === 0) {
    if (!config.demo) throw new TypeError('session secrets are required outside demo mode');
    secrets = [randomBytes(32).toString('base64url')];
    logger.warn('demo mode: session secret generated at start; sessions end when authgate restarts');
  }
  const sessionKeys = deriveSessionKeys(secrets);
  const metrics = deps.previousMetrics ?? createMetrics();
  const store = deps.previousStore ?? createSharedStore(config, loaded, logger, now, { onDegraded: (degraded) => metrics.sharedStoreDegraded.set(degraded ? 1 : 0) });

  const keySet = config.identity.assertion.keyFile
    ? await keySetFromPem(readFileSync(loaded.resolvePath(config.identity.assertion.keyFile), 'utf8'))
    : (deps.previousKeySet ?? (await generatedKeySet()));
  if (keySet.generated) {
    logger.warn('identity.assertion.keyFile is not set: the assertion signing key was generated at start; replicas will publish different JWKS and restarts change the key');
  }

  const providers = await createProviders({ loaded, logger, publicUrl, metrics, ...(deps.demoUsers ? { demoUsers: deps.demoUsers } : {}) });
  metrics.allowProviders(providers.map((p) => p.id));
  const rules = compileRules(config.authorization.rules, config.authorization.defaultAction, config.authorization.pathCaseSensitive);
  const important = new Set([...rules.groups, ...providers.flatMap((p) => p.permittedLoginGroups.flat().map((g) => g.toLowerCase()))]);
  const websockets = deps.previousWebSockets ?? webSocketRegistry(store, config.session.idleTimeout, now);
  const sessions = new SessionManager({
    activeAt: (sid) => websockets.activeAt(sid),
    keys: sessionKeys,
    limits: { idleTimeout: config.session.idleTimeout, maxLifetime: config.session.maxLifetime },
    store,
    cookieName: config.session.cookieName,
    cacheSize: config.session.cacheSize,
    now,
    importantGroups: (g) => important.has(g.toLowerCase()),
  });
  metrics.setSessionCacheStats(() => sessions.cacheStats);

  const upstreamUrl = new URL(config.upstream.url);
  const ca = config.upstream.caFile ? readFileSync(loaded.resolvePath(config.upstream.caFile), 'utf8') : undefined;
  const responses: ResponsePolicy = {
    hsts: config.listen.tls?.hsts ?? 'max-age=31536000',
    isOwnCookie: ownCookieMatcher(config.session.cookieName),
    onDropped(names, kind, where) {
      metrics.upstreamCookiesDropped.inc();
      logger.warn({ cookies: names, kind, method: where.method, path: where.path.split('?', 1)[0]?.slice(0, 200) }, "the upstream tried to set authgate's own cookies; dropped");
    },
  };
  const upstream = createUpstream({
    url: config.upstream.url,
    connectTimeout: config.upstream.connectTimeout,
    headersTimeout: config.upstream.headersTimeout,
    maxConnections: config.upstream.maxConnections,
    ca,
    responses,
  });
  const { usernameFile, ...headerNames } = config.identity.headers;
  const secretName = usernameHeaderFromFile(config, loaded);
  if (usernameFile !== undefined && secretName.name === undefined) throw new TypeError(`identity.headers.usernameFile: ${secretName.problem ?? 'unreadable'}`);
  const plan = headerPlan(config.upstream.profile, { ...headerNames, ...(secretName.name ? { username: secretName.name } : {}) }, config.identity.assertion.header);
  const rewrite = config.identity.usernameRewrite;
  const rewriteRe = rewrite ? new RegExp(rewrite.pattern) : undefined;
  const rewriteUsername = rewriteRe && rewrite ? (u: string) => u.replace(rewriteRe, rewrite.replacement) : undefined;
  // Connect API tokens (X-Auth-Token) are credentials Connect checks itself, not identity authgate sets.
  const stripper = identityStripper(plan.stripNames, STRIPPED_PREFIXES, {
    keep: [...(config.upstream.passApiKeys ? ['X-Auth-Token'] : []), ...(config.upstream.profile === 'workbench' ? [WORKBENCH_REFRESH_HEADER] : [])],
    thirdParty: ALWAYS_STRIPPED,
    thirdPartyPrefixes: THIRD_PARTY_PREFIXES,
    pass: config.upstream.passHeaders,
  });
  const identityOptions = { plan, groupsSeparator: config.identity.groupsSeparator, ...(rewriteUsername ? { rewriteUsername } : {}) };

  return {
    config,
    loaded,
    publicUrl,
    network: compileNetworkPolicy(config.network),
    rules,
    upstream,
    upgradeTarget: { url: upstreamUrl, connectTimeout: config.upstream.connectTimeout, headersTimeout: config.upstream.headersTimeout, ca, responses },
    sessionKeys,
    sessions,
    store,
    providers,
    providersById: new Map(providers.map((p) => [p.id, p])),
    throttle: createThrottle(store, config.auth.throttle, now),
    keySet,
    signer: assertionSigner({ keys: keySet, issuer: publicUrl.origin, audience: config.identity.assertion.audience ?? upstreamUrl.origin, ttlMs: config.identity.assertion.ttl, now }),
    plan,
    stripper,
    hosts: acceptedHosts(publicUrl, config.network.allowedHosts),
    responses,
    rewriteUsername,
    logger,
    audit: deps.audit,
    metrics,
    websockets,
    now,
    refreshing: new Map(),
    refreshFailedAt: new Map(),
    originPolicy: websocketOriginPolicy(publicUrl.origin, config.upstream.websocketOrigins),
    hotPath: new HotPathCaches({ headerNames: new HeaderNames(stripper), identityHeaders: (identity) => identityHeaders(identity, identityOptions) }),
  };
}
