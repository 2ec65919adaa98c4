export { deriveSessionKeys, type SessionKeys, type SessionKey } from './keys.ts';
export { seal, unseal, type SealPurpose, type UnsealResult } from './seal.ts';
export { readCookie, hostCookie, clearHostCookie, withoutCookies } from './cookies.ts';
export { sessionState, touchInterval, asSession, type Session, type SessionLimits, type SessionState } from './session.ts';
export { SessionManager, MAX_COOKIE_VALUE, type SessionReadResult } from './manager.ts';
export { memoryStore, type SharedStore } from './store.ts';
export { LruCache } from './cache.ts';
