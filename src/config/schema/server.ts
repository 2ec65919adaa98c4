/** Schema of the listener, network policy, upstream and process sections. */
import { z } from 'zod';
import { cidr, duration, filePath, parseUrl, url } from './common.ts';
import { headerName } from './identity.ts';
import { canonicalHeaderName, hostEntryProblem, isForwardingHeader } from '../../proxy/index.ts';
import { STRIPPED_PREFIXES } from '../../identity/index.ts';

const port = (description: string) =>
  z.number().int().min(1).max(65535).meta({ description });

const tlsSchema = z
  .strictObject({
    certFile: filePath('PEM certificate file; may hold the full chain (leaf first). Reloaded when the file changes.', 'certs/tls.crt'),
    keyFile: filePath('PEM private key file matching certFile. Reloaded when the file changes.', 'certs/tls.key'),
    caFile: filePath('Optional PEM file of intermediate certificates appended to the chain.').optional(),
    minVersion: z
      .enum(['TLSv1.2', 'TLSv1.3'])
      .default('TLSv1.2')
      .meta({ description: 'Lowest TLS version accepted. TLS 1.0 and 1.1 are never accepted.' }),
    ciphers: z.string().optional().meta({ description: 'OpenSSL cipher list for TLS 1.2, replacing the default of forward-secret AEAD suites only (ECDHE with AES-GCM or ChaCha20-Poly1305; no CBC, no SHA-1). TLS 1.3 suites are fixed by Node. Client-initiated TLS 1.2 renegotiation is always refused.' }),
    hsts: z
      .string()
      .default('max-age=31536000')
      .meta({ description: 'Value of the Strict-Transport-Security header added to every response; empty string disables it.' }),
  })
  .meta({ description: 'TLS certificate and settings. Absent: a self-signed certificate is generated into certs/ (demo only, warned loudly).' });

export const listenSchema = z
  .strictObject({
    address: z.string().default('0.0.0.0').meta({ description: 'Address to listen on (0.0.0.0 for all IPv4, :: for all).' }),
    port: z.number().int().min(0).max(65535).default(8443).meta({ description: 'HTTPS port (0 picks a free port, for tests).' }),
    tls: tlsSchema.optional(),
    httpRedirectPort: port('Optional plain-HTTP port that only redirects to HTTPS.').optional(),
    headersTimeout: duration('Time a client has to send all request headers (slowloris protection).', '20s').prefault('20s'),
    requestTimeout: duration('Time a client has to send a whole request, body included (0 = no limit, for large uploads).', '0').prefault('0'),
    formBodyTimeout: duration('Time a client has to send the body of a form authgate reads itself (login, logout); past it the request gets 408 and the connection is closed.', '10s')
      .refine((ms) => ms > 0, 'is no limit; a form body is always time-limited: give a duration such as 10s')
      .prefault('10s'),
    keepAliveTimeout: duration('How long an idle keep-alive connection stays open.', '65s').prefault('65s'),
    maxHeaderSize: z.number().int().min(1024).max(1_048_576).default(16_384).meta({ description: 'Largest request header block in bytes; larger requests get 431.' }),
    drainTimeout: duration('On SIGTERM, how long in-flight requests may take before the process exits.', '30s').prefault('30s'),
  })
  .meta({ description: 'Where authgate listens and how it terminates TLS.' });

export const networkSchema = z
  .strictObject({
    trustedProxies: z.array(cidr).default([]).meta({ description: 'CIDRs of proxies whose X-Forwarded-For is believed, walked right to left. Matched on the exact address only (a NAT64 or 6to4 embedding of a trusted IPv4 address is not trusted).' }),
    allow: z.array(cidr).default(['0.0.0.0/0', '::/0']).meta({ description: 'Client CIDRs allowed in (checked after deny). An IPv6 client that embeds an IPv4 address (IPv4-mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) is allowed if either form is listed.' }),
    deny: z.array(cidr).default([]).meta({ description: 'Client CIDRs refused before anything else. An IPv6 client that embeds an IPv4 address (IPv4-mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) is refused if either form is listed.' }),
    allowedHosts: z
      .array(
        z.string().superRefine((value, ctx) => {
          const problem = hostEntryProblem(value);
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        }),
      )
      .default([])
      .meta({
        description:
          "Host header values accepted besides publicUrl's host (which is accepted with or without its default port), compared case-insensitively, port included: for example the name a front proxy or port-forward uses. Any other Host is refused with 400 bad-host, except on /__authgate__/healthz, readyz, metrics and the JWKS (Kubernetes probes and scrapers use the pod IP). The upstream always receives publicUrl's host.",
        examples: [['authgate.internal:8443']],
      }),
  })
  .meta({ description: 'Client IP resolution and the IP allow/deny policy.' });

/** A web origin, `scheme://host[:port]` with nothing after it, as browsers send in the Origin header. */
const webOrigin = z
  .string()
  .check((ctx) => {
    const parsed = parseUrl(ctx.value);
    if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || parsed.origin.toLowerCase() !== ctx.value.replace(/\/$/, '').toLowerCase()) {
      ctx.issues.push({ code: 'custom', input: ctx.value, message: 'is not an origin; write scheme://host[:port] with no path, for example https://apps.example.com' });
    }
  })
  .meta({ description: 'A web origin: scheme://host[:port].', format: 'uri' });

export const upstreamSchema = z
  .strictObject({
    url: url(['http', 'https'], 'Base URL of the upstream server (Connect, Workbench, Shiny).', 'http://127.0.0.1:3939'),
    profile: z
      .enum(['connect', 'workbench', 'generic'])
      .default('connect')
      .meta({ description: 'Which identity headers are sent by default: connect (X-Auth-*), workbench (X-RStudio-Username, or the secret name in identity.headers.usernameFile; it also passes X-RStudio-Refresh-Auth-Creds and refuses an RStudio RPC whose JSON body names another method than its URL, see docs/lockdown.md) or generic (named in identity.headers).' }),
    caFile: filePath('PEM CA bundle to verify an https upstream.').optional(),
    connectTimeout: duration('Time allowed to open a connection to the upstream.', '10s').prefault('10s'),
    headersTimeout: duration('Time the upstream has to send response headers before authgate answers 504.', '60s').prefault('60s'),
    maxConnections: z.number().int().min(1).max(10_000).default(256).meta({ description: 'Upper bound of keep-alive connections to the upstream.' }),
    websocketOrigins: z
      .array(webOrigin)
      .default([])
      .meta({
        description:
          "Origins besides publicUrl's whose pages may open WebSockets through authgate. An upgrade whose Origin header is neither publicUrl's origin nor listed is refused with 403 websocket-origin-refused (cross-site WebSocket hijacking); one without Origin (a non-browser client) is not judged by this.",
        examples: [['https://apps.example.com']],
      }),
    anonymousWebsocketIdleTimeout: duration(
      'A WebSocket opened without a session (on a public path) is closed after this long with no message either way (0 = never). WebSockets of a session follow session.idleTimeout and session.maxLifetime instead.',
      '10m',
    ).prefault('10m'),
    passApiKeys: z
      .boolean()
      .default(false)
      .meta({
        description:
          'connect profile: a request with `Authorization: Key …` or a non-empty `X-Auth-Token` and no session is judged as an API key (no user, role or groups; Connect checks the key itself) and passes only where a rule with `apiKeys: true` admits it; deny rules apply to it, anything else is refused as unauthenticated. true without an allow rule with apiKeys: true is a configuration error.',
      }),
    passHeaders: z
      .array(
        headerName.superRefine((value, ctx) => {
          const canonical = canonicalHeaderName(value);
          if (canonical === 'host' || isForwardingHeader(canonical) || STRIPPED_PREFIXES.some((p) => canonical.startsWith(p))) {
            ctx.addIssue({ code: 'custom', message: `is set by authgate itself (Host, X-Forwarded-*, Forwarded, X-Real-IP, X-Request-Id, X-Auth-*, X-RStudio-*, X-Authgate-*); a client's copy is never passed` });
          }
        }),
      )
      .default([])
      .meta({
        description:
          "Other proxies' identity and rewrite headers that authgate strips by default but that this upstream needs from the client (Remote-*, X-Remote-*, X-WEBAUTH-*, X-Authenticated-User, X-Ms-Client-Principal*, X-Original-*, X-Rewrite-URL, X-HTTP-Method-Override…), matched in any case and with _ or -. Headers authgate sets are never passed.",
        examples: [['X-HTTP-Method-Override']],
      }),
  })
  .meta({ description: 'The server authgate protects.' });

export const processSchema = z
  .strictObject({
    user: z.string().min(1).optional().meta({ description: 'Started as root: drop to this user after binding ports and reading keys.', examples: ['authgate'] }),
    group: z.string().min(1).optional().meta({ description: 'Group to drop to (default: the user\'s primary group).' }),
    allowRoot: z.boolean().default(false).meta({ description: 'Allow running as root without dropping privileges (not recommended).' }),
  })
  .meta({ description: 'Privilege drop for plain-VM installs.' });

export const metricsSchema = z
  .strictObject({
    enabled: z.boolean().default(true).meta({ description: 'Expose Prometheus metrics.' }),
    port: port('Separate plain-HTTP port for /metrics (recommended); absent = /__authgate__/metrics on the main port.').optional(),
    address: z.string().default('127.0.0.1').meta({ description: 'Address of the separate metrics listener.' }),
  })
  .meta({ description: 'Prometheus metrics.' });

export const loggingSchema = z
  .strictObject({
    level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info').meta({ description: 'Log level.' }),
    accessLog: z.boolean().default(true).meta({ description: 'One access log line per request.' }),
  })
  .meta({ description: 'Operational logging (JSON on stdout).' });
