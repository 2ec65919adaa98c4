/** The shared store behind revocation, login throttling and WebSocket sessions: memory, Redis, or Redis with a memory fallback. */
export * from './store.ts';
export * from './redis.ts';
export * from './fallback.ts';
export * from './factory.ts';
