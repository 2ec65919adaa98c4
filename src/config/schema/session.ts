/** Schema of the session, Redis and login-throttling sections. */
import { z } from 'zod';
import { duration, filePath, secretFields, url } from './common.ts';

export const sessionSchema = z
  .strictObject({
    ...secretFields('secrets', 'Session secrets, one per line (at least 32 bytes each); the first seals, all unseal.'),
    cookieName: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, 'must be a cookie name made of letters, digits, _ and -')
      .default('authgate')
      .meta({ description: 'Cookie name; authgate adds the __Host- prefix.' }),
    idleTimeout: duration('A session unused for this long ends. With the workbench profile, background RPCs of the IDE (X-RStudio-Refresh-Auth-Creds: 0) are not use.', '8h').prefault('8h'),
    maxLifetime: duration('A session ends this long after login, however active.', '7d').prefault('7d'),
    store: z.enum(['memory', 'redis']).default('memory').meta({ description: 'Where revocations and throttling counters live: memory (one replica) or redis (shared).' }),
    cacheSize: z.number().int().min(0).max(1_000_000).default(10_000).meta({ description: 'Decoded sessions kept in memory (LRU), so a busy user costs no decryption per request.' }),
  })
  .meta({ description: 'Encrypted session cookies.' });

export const redisSchema = z
  .strictObject({
    url: url(['redis', 'rediss'], 'Redis URL (rediss:// for TLS).', 'rediss://redis:6379/0'),
    ...secretFields('password', 'Redis password.'),
    caFile: z.string().optional().meta({ description: 'PEM CA bundle to verify a rediss:// server.' }),
    keyPrefix: z.string().default('authgate:').meta({ description: 'Prefix of every key authgate writes.' }),
    connectTimeout: duration('Time allowed to open a connection to Redis; while Redis is unreachable each replica keeps its own state (warned).', '5s').prefault('5s'),
    commandTimeout: duration('Time a Redis command may take before this replica falls back to its own memory for it.', '1s').prefault('1s'),
    tls: z
      .strictObject({
        serverName: z.string().min(1).optional().meta({ description: 'Name expected in the server certificate (SNI), when it differs from the URL host.' }),
        certFile: filePath('PEM client certificate, for Redis servers that require mutual TLS.').optional(),
        keyFile: filePath('PEM private key of certFile.').optional(),
      })
      .optional()
      .meta({ description: 'TLS details for a rediss:// URL (caFile verifies the server).' }),
  })
  .meta({ description: 'Optional Redis for state shared by several replicas (revocations, throttling).' });

export const throttleSchema = z
  .strictObject({
    window: duration('Window in which failed logins are counted.', '15m').prefault('15m'),
    maxFailuresPerUser: z
      .number()
      .int()
      .min(1)
      .default(5)
      .meta({
        description:
          'Attempts per username (failed, or in progress: each is reserved before the provider is asked) within the window before the username is locked out. Spellings that differ only in case, width, accents or invisible characters count as one username, and failures the provider ties to one account count against that account too.',
      }),
    maxFailuresPerIp: z
      .number()
      .int()
      .min(1)
      .default(20)
      .meta({ description: 'Attempts (failed or in progress) per client network within the window before it is locked out: an IPv4 address, or an IPv6 /64.' }),
    lockout: duration('How long a lockout lasts.', '15m').prefault('15m'),
  })
  .meta({ description: 'Throttling of failed logins.' });

export const loginPageSchema = z
  .strictObject({
    title: z.string().max(200).default('Sign in').meta({ description: 'Title of the login page.' }),
    logoUrl: z.string().max(2000).optional().meta({ description: 'URL of a logo shown on the login page.' }),
    notice: z.string().max(5000).optional().meta({ description: 'Text shown under the forms (terms of use, support contact).' }),
  })
  .meta({ description: 'Login page appearance.' });
