/** Schema of the identity forwarding and audit sections. */
import { z } from 'zod';
import { duration, filePath } from './common.ts';

export const headerName = z
  .string()
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'must be a valid HTTP header name such as X-Auth-Username');

const IDENTITY_FIELDS = ['username', 'email', 'firstName', 'lastName', 'groups', 'role', 'uniqueId'] as const;

export const identitySchema = z
  .strictObject({
    headers: z
      .strictObject({
        ...(Object.fromEntries(IDENTITY_FIELDS.map((f) => [f, headerName.optional().meta({ description: `Header carrying the user's ${f}; overrides the profile default.` })])) as Record<(typeof IDENTITY_FIELDS)[number], z.ZodOptional<typeof headerName>>),
        usernameFile: filePath(
          "File whose one line is the name of the header carrying the username, kept secret (mode 0600 or 0640): with Workbench, the name given to rserver.conf's auth-proxy-user-header, so code in an R session on the Workbench host cannot send it to rserver on loopback. `authgate workbench-secret` writes one and prints the rserver.conf lines. Not together with username.",
        ).optional(),
      })
      .prefault({})
      .meta({ description: 'Header names per identity field; the upstream profile gives the defaults.' }),
    groupsSeparator: z
      .string()
      .regex(/^[ !-$&-/:-@[-`{-~]{1,3}$/, 'must be 1 to 3 ASCII punctuation or space characters other than % (such as "," or "|")')
      .default(',')
      .meta({ description: 'Separator of group names in the groups header (1-3 ASCII punctuation or space characters, not %). A group name containing one of its characters has that character percent-encoded, so it is never split.' }),
    usernameRewrite: z
      .strictObject({
        pattern: z.string().min(1).meta({ description: 'Regular expression applied to the username.' }),
        replacement: z.string().meta({ description: 'Replacement ($1 … refer to groups).' }),
      })
      .optional()
      .meta({ description: 'Rewrite the forwarded username (for example strip a domain for Workbench).' }),
    assertion: z
      .strictObject({
        header: headerName.default('X-Authgate-Assertion').meta({ description: 'Header carrying the signed ES256 assertion (JWT).' }),
        keyFile: filePath('PEM file with one or more ES256 (P-256) private keys; the first signs, all are published. Absent: generated at start (warned).').optional(),
        audience: z.string().optional().meta({ description: 'aud claim; default the upstream origin.' }),
        ttl: duration('Lifetime of an assertion (at most 5m).', '5m').prefault('5m'),
      })
      .prefault({})
      .meta({ description: 'The signed identity assertion.' }),
  })
  .meta({ description: 'What the upstream receives about the user.' });

export const auditSchema = z
  .strictObject({
    file: z.string().min(1).default('-').meta({ description: '"-" for stdout, else a file path (reopened on SIGHUP).' }),
    maxSize: z.number().int().min(0).default(0).meta({ description: 'Rotate the audit file when it reaches this many bytes (0 = never; use logrotate).' }),
    maxFiles: z.number().int().min(1).max(1000).default(5).meta({ description: 'Rotated files kept.' }),
    requests: z.boolean().default(false).meta({ description: 'Also record every authenticated request (method, path, status, user).' }),
    logQueryValues: z
      .boolean()
      .default(false)
      .meta({ description: 'Record query-string values in the paths of audit events as sent. Off: parameter names are kept and each value is replaced by [redacted] (URLs carry tokens). Read at start.' }),
  })
  .meta({ description: 'Security audit trail (JSON lines).' });

