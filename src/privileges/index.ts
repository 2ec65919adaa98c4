/** Dropping root after the ports are bound: planning the account switch (pure), and doing it (the OS adapter). */
export * from './plan.ts';
export * from './os.ts';
