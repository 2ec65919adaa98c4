/** Dropping root after the ports are bound: planning the account switch, and doing it. */
export * from './privileges.ts';
