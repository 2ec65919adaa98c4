export { createLocalProvider } from './provider.ts';
export { hashPassword, verifyPassword } from './password.ts';
export { type LocalUser } from './users-file.ts';
