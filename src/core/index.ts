/** The leaf every stage shares: domain types, the error and refusal types and small generic pieces. Imports nothing of the project. */
export * from './errors.ts';
export * from './refusal.ts';
export * from './identity.ts';
export * from './lru-cache.ts';
