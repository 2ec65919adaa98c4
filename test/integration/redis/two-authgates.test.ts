/**
 * Two whole authgate servers sharing one real Redis and the same secrets: a session made on one
 * is accepted by the other, a logout on one is refused on the other, and failed logins made
 * against both count towards one lockout.
 */
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startAuthgate, fetchText, login, type TestAuthgate } from '../../support/authgate.ts';
import { startUpstream } from '../../support/upstream.ts';
import { makeTestCert } from '../../support/tls.ts';
import { startRedis } from './redis-server.ts';

t.test('two replicas behind one Redis', async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  const upstream = await startUpstream();
  t.teardown(() => upstream.close());
  const shared = mkdtempSync(path.join(os.tmpdir(), 'authgate-replicas-'));
  writeFileSync(path.join(shared, 'redis-password'), redis.password);
  const cert = makeTestCert('localhost', shared);
  const config = {
    upstream: { url: upstream.url },
    session: { store: 'redis' },
    redis: { url: redis.url, passwordFile: path.join(shared, 'redis-password'), keyPrefix: 'replicas-test:' },
    auth: { throttle: { maxFailuresPerUser: 4, window: '10m', lockout: '10m' } },
  };
  const replicas: TestAuthgate[] = [];
  for (const name of ['a', 'b']) {
    const dir = mkdtempSync(path.join(os.tmpdir(), `authgate-replica-${name}-`));
    const ag = await startAuthgate({ dir, cert, config: { ...config, auth: { ...config.auth, providers: [{ type: 'local', name: 'Local accounts', usersFile: path.join(dir, 'users.yaml') }] } } });
    t.teardown(() => ag.stop());
    replicas.push(ag);
  }
  const [a, b] = replicas as [TestAuthgate, TestAuthgate];

  const { cookie } = await login(a, 'alice', 'alice-Passw0rd!');
  t.equal((await fetchText(b, '/app', { headers: { cookie: cookie!, accept: 'application/json' } })).status, 200, 'a session made on A is accepted by B');

  const confirm = await fetchText(a, '/__authgate__/logout', { headers: { cookie: cookie! } });
  const csrf = /name="csrf" value="([^"]+)"/.exec(confirm.body)![1]!;
  await fetchText(a, '/__authgate__/logout', { method: 'POST', headers: { cookie: cookie!, 'content-type': 'application/x-www-form-urlencoded' }, body: `csrf=${csrf}` });
  t.equal((await fetchText(b, '/app', { headers: { cookie: cookie!, accept: 'application/json' } })).status, 401, 'a logout on A is refused on B');

  for (const ag of [a, b, a, b]) t.equal((await login(ag, 'bob', 'wrong')).response.status, 401);
  const locked = await login(b, 'bob', 'bob-Passw0rd!');
  t.equal(locked.response.status, 429, 'failures against both replicas add up to one lockout');
});
