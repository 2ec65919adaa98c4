/** The leaf every stage shares: domain types, the error type and small generic pieces. Imports nothing of the project. */
export * from './errors.ts';
export * from './identity.ts';
export * from './lru-cache.ts';
