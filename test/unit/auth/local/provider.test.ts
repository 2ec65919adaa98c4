/** The local account provider (src/auth/local/provider.ts). */
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hashPassword } from '../../../../src/auth/local/password.ts';

t.test('a wrong password names the account (throttling counts against it); an unknown user names none', async (t) => {
  const { createLocalProvider } = await import('../../../../src/auth/local/provider.ts');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'authgate-local-'));
  const file = path.join(dir, 'users.yaml');
  writeFileSync(file, `users:\n  - username: kim\n    passwordHash: "${await hashPassword('kim-Passw0rd!', { ln: 10, r: 8, p: 1 })}"\n`);
  const p = createLocalProvider({ id: 'local', name: 'Local', usersFile: file });
  const context = { clientIp: '10.0.0.1', requestId: 'req-1' };
  t.same(await p.authenticate('kim', 'wrong', context), { ok: false, reason: 'bad-credentials', uniqueId: 'local:kim' });
  t.same(await p.authenticate('nobody', 'wrong', context), { ok: false, reason: 'bad-credentials' });
  t.match(await p.authenticate('kim', 'kim-Passw0rd!', context), { ok: true, profile: { uniqueId: 'local:kim' } });
});
