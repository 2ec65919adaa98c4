/**
 * Building blocks shared by every part of the configuration schema. The schema is the
 * single source of the TypeScript types, the validation, `authgate schema` and the docs:
 * every key carries a description (and, where useful, an example) through `.meta()`.
 */
import { z } from 'zod';
import ipaddr from 'ipaddr.js';
import { parseDuration } from '../duration.ts';

/** A duration such as `30s`, `15m`, `8h` or `7d`, parsed into milliseconds. */
export function duration(description: string, example = '8h') {
  return z
    .string()
    .check((ctx) => {
      if (parseDuration(ctx.value) === undefined) {
        ctx.issues.push({
          code: 'custom',
          input: ctx.value,
          message: 'is not a duration; write a number and a unit (ms, s, m, h, d), for example 30s, 15m, 8h or 7d',
        });
      }
    })
    .transform((text) => parseDuration(text) as number)
    .meta({ description, examples: [example], format: 'duration' });
}

/** An IPv4 or IPv6 network in CIDR notation (a bare address means a single host). */
export const cidr = z
  .string()
  .check((ctx) => {
    if (!isCidr(ctx.value)) {
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        message: 'is not a CIDR; write an address and a prefix length, for example 10.0.0.0/8 or 2001:db8::/32',
      });
    }
  })
  .meta({ description: 'An IPv4 or IPv6 network in CIDR notation, or a single address.', format: 'cidr' });

/** Dotted-quad IPv4 only: ipaddr.js alone would accept `10` (0.0.0.10) and octal `012.1.2.3`. */
function isCidr(text: string): boolean {
  if (text.includes('/')) return ipaddr.IPv4.isValidCIDRFourPartDecimal(text) || ipaddr.IPv6.isValidCIDR(text);
  return ipaddr.IPv4.isValidFourPartDecimal(text) || ipaddr.IPv6.isValid(text);
}

/** The URL `text` spells, or undefined when it is not an absolute URL. */
export function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/** An absolute URL whose scheme is one of `schemes`. */
export function url(schemes: readonly string[], description: string, example?: string) {
  return z
    .string()
    .check((ctx) => {
      const parsed = parseUrl(ctx.value);
      if (!parsed || !schemes.includes(parsed.protocol.replace(/:$/, ''))) {
        ctx.issues.push({
          code: 'custom',
          input: ctx.value,
          message: `is not a valid URL; write an absolute ${schemes.join(' or ')} URL`,
        });
      }
    })
    .meta({ description, format: 'uri', ...(example ? { examples: [example] } : {}) });
}

/** A file path; existence and readability are checked by the semantic pass, not here. */
export function filePath(description: string, example?: string) {
  return z
    .string()
    .min(1, 'must not be empty; give a path to a file')
    .meta({ description, format: 'path', ...(example ? { examples: [example] } : {}) });
}

/**
 * The three ways to give a secret named `name`: inline (discouraged, warned), `<name>File`
 * (a path, typically a mounted Kubernetes Secret) or `<name>Env` (the name of an environment
 * variable). Spread the result into a `z.strictObject({...})`.
 */
export function secretFields<N extends string>(name: N, description: string) {
  return {
    [name]: z
      .string()
      .optional()
      .meta({ description: `${description} Inline values are discouraged: prefer ${name}File or ${name}Env.`, secret: true }),
    [`${name}File`]: filePath(`Path of a file holding ${description.replace(/\.$/, '').toLowerCase()} (trailing newline ignored).`).optional(),
    [`${name}Env`]: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name such as LDAP_BIND_PASSWORD')
      .optional()
      .meta({ description: `Name of an environment variable holding ${description.replace(/\.$/, '').toLowerCase()}.` }),
  } as { [K in N]: z.ZodOptional<z.ZodString> } & { [K in `${N}File` | `${N}Env`]: z.ZodOptional<z.ZodString> };
}
