/** The users file of a `local` provider: YAML, validated like the main configuration. */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { ROLES } from '../../core/index.ts';
import { isPasswordHash } from './password.ts';

const localUserSchema = z.strictObject({
  username: z.string().min(1).max(256).regex(/^[^\s/\\]+$/, 'must not contain spaces, / or \\'),
  passwordHash: z.string().refine(isPasswordHash, 'is not an scrypt hash; create one with `authgate hash-password`'),
  email: z.string().optional(),
  firstName: z.string().optional(),
  lastName: z.string().optional(),
  groups: z.array(z.string()).default([]),
  role: z.enum(ROLES).optional(),
  disabled: z.boolean().default(false),
});

const usersFileSchema = z.strictObject({ users: z.array(localUserSchema) });
export type LocalUser = z.output<typeof localUserSchema>;

/** Users by username; problems are returned as readable lines, never thrown. */
export function parseUsersFile(text: string): { users: Map<string, LocalUser> } | { problems: string[] } {
  let data: unknown;
  try {
    data = parse(text);
  } catch (error) {
    return { problems: [`not valid YAML: ${(error as Error).message.split('\n')[0]}`] };
  }
  const parsed = usersFileSchema.safeParse(data);
  if (!parsed.success) {
    return { problems: parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`) };
  }
  const users = new Map<string, LocalUser>();
  const problems: string[] = [];
  for (const user of parsed.data.users) {
    if (users.has(user.username)) problems.push(`users: "${user.username}" appears twice`);
    users.set(user.username, user);
  }
  return problems.length > 0 ? { problems } : { users };
}

export function readUsersFile(file: string): { users: Map<string, LocalUser> } | { problems: string[] } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return { problems: [`cannot read ${file} (${(error as NodeJS.ErrnoException).code})`] };
  }
  return parseUsersFile(text);
}
