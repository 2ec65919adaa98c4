/** The OIDC login transaction cookie's checks (src/auth/oidc/transaction.ts). */
import t from 'tap';
import { transactionProblem, type OidcTransaction } from '../../../../src/auth/oidc/transaction.ts';

// A login transaction lives 10 minutes (600 s) from createdAt.
const good: OidcTransaction = { v: 1, provider: 'google', state: 's'.repeat(43), nonce: 'n'.repeat(43), codeVerifier: 'v'.repeat(43), returnTo: '/', createdAt: 1000 };

t.test('transactionProblem', async (t) => {
  const cases: { name: string; value: unknown; now?: number; problem?: RegExp }[] = [
    { name: 'fresh', value: good },
    { name: 'at the limit', value: good, now: 1000 + 600 },
    { name: 'too old', value: good, now: 1001 + 600, problem: /old/ },
    { name: 'from the future', value: good, now: 900, problem: /future/ },
    { name: 'missing', value: undefined, problem: /missing/ },
    { name: 'other provider', value: { ...good, provider: 'okta' }, problem: /provider "okta"/ },
    { name: 'other version', value: { ...good, v: 2 }, problem: /version/ },
    { name: 'short state', value: { ...good, state: 'abc' }, problem: /state/ },
    { name: 'nonce with odd characters', value: { ...good, nonce: `${'n'.repeat(20)}"<>` }, problem: /nonce/ },
    { name: 'verifier not a string', value: { ...good, codeVerifier: 5 }, problem: /codeVerifier/ },
    { name: 'returnTo missing', value: { ...good, returnTo: undefined }, problem: /returnTo/ },
    { name: 'createdAt NaN', value: { ...good, createdAt: Number.NaN }, problem: /createdAt/ },
  ];
  for (const c of cases) {
    const problem = transactionProblem(c.value, 'google', c.now ?? 1000);
    if (c.problem) t.match(problem, c.problem, c.name);
    else t.equal(problem, undefined, c.name);
  }
});
