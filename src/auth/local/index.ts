export { createLocalProvider, type LocalProviderOptions } from './provider.ts';
export { hashPassword, verifyPassword, isPasswordHash } from './password.ts';
export { parseUsersFile, readUsersFile, type LocalUser } from './users-file.ts';
