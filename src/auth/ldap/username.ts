/**
 * Usernames authgate refuses before talking to the directory: Connect cannot represent
 * them (a `/`, its reserved path names) or they cannot be a name at all. Pure.
 */

/** Names RStudio Connect reserves for its own URLs. */
export const RESERVED_USERNAMES: ReadonlySet<string> = new Set([
  'connect', 'apps', 'users', 'groups', 'setpassword', 'user-completion', 'confirm', 'recent', 'reports',
  'plots', 'unpublished', 'settings', 'metrics', 'tokens', 'help', 'login', 'welcome', 'register',
  'resetpassword', 'content',
]);

const MAX_USERNAME_LENGTH = 256;

/** Why the username is refused (a sentence for the login page), or undefined when acceptable. */
export function usernameProblem(username: string): string | undefined {
  if (username.trim() === '') return 'Enter a username.';
  if (username.length > MAX_USERNAME_LENGTH) return `Usernames are at most ${MAX_USERNAME_LENGTH} characters.`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(username)) return 'Usernames cannot contain control characters.';
  if (username.includes('/')) return 'Usernames containing "/" are not supported.';
  if (RESERVED_USERNAMES.has(username.trim().toLowerCase())) return `"${username.trim()}" is a reserved name and cannot be used to log in.`;
  return undefined;
}

/** An empty simple bind is an anonymous bind that "succeeds": refuse blank passwords first. */
export function isBlankPassword(password: string): boolean {
  return password.trim() === '';
}
