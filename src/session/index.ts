export { deriveSessionKeys, type SessionKeys } from './keys.ts';
export { seal, unseal, type SealPurpose } from './seal.ts';
export { readCookie, hostCookie, clearHostCookie, withoutCookies } from './cookies.ts';
export { type Session } from './session.ts';
export { SessionManager, type TokenKeyMemo } from './manager.ts';
export { memoryStore, type SharedStore } from '../store/index.ts';
export { createSharedStore } from '../store/index.ts';
export { refreshState } from './refresh-schedule.ts';
