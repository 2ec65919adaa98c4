/**
 * Issue 7's round trip: Connect's documented sample, its ServerAddress filled in, converted
 * by `authgate import-connect --write-secrets`, accepted by authgate's configuration loader (what
 * `authgate check-config` runs) as a whole file, then used for a real login against Samba AD.
 */
import t from 'tap';
import { PassThrough } from 'node:stream';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run } from '../../../src/cli/import-connect.ts';
import { loadConfigFile } from '../../../src/config/index.ts';

const fixtures = path.join(import.meta.dirname, '../../fixtures/connect');

t.test('the converted AD sample passes the configuration loader', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'authgate-roundtrip-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await cp(fixtures, dir, { recursive: true });
  const sample = await readFile(path.join(fixtures, 'connect-ad-sample.gcfg'), 'utf8');
  await writeFile(
    path.join(dir, 'rstudio-connect.gcfg'),
    sample.replace(/^ServerAddress =$/m, 'ServerAddress = dc1.example.com:636').replace('/etc/ssl/cert/ca.pem', path.join(dir, 'test-ca.pem')),
  );
  const stderr: string[] = [];
  const err = new PassThrough();
  err.on('data', (c: Buffer) => stderr.push(c.toString('utf8')));
  const code = await run(['rstudio-connect.gcfg', '--write-secrets', 'secrets', '--output', 'authgate.yaml'], {
    stdout: new PassThrough(), stderr: err, stdin: new PassThrough(), env: {}, cwd: dir,
  });
  t.equal(code, 0, stderr.join(''));

  const loaded = loadConfigFile('authgate.yaml', { cwd: dir, env: {} });
  t.ok(loaded.ok, loaded.ok ? 'valid' : JSON.stringify(loaded.issues, null, 2));
  if (!loaded.ok) return;
  const [provider] = loaded.loaded.config.auth.providers;
  t.equal(provider?.type, 'ldap');
  t.same(loaded.loaded.config.authorization.administratorRoleMapping, [
    'cn=Dev-Leaders,ou=Groups,dc=example,dc=com',
    'cn=IT-Administrators,ou=Groups,dc=example,dc=com',
  ]);
  t.same(loaded.loaded.warnings.filter((w) => w.severity === 'error'), []);
});

t.test('the converted sample logs a user in against a real Active Directory (Samba AD DC)', async (t) => {
  const { startSamba } = await import('../../support/samba.ts');
  const { startAuthgate, login, fetchText } = await import('../../support/authgate.ts');
  const { startUpstream } = await import('../../support/upstream.ts');
  const { parse } = await import('yaml');
  const samba = await startSamba();
  t.teardown(() => samba.stop());
  const dir = await mkdtemp(path.join(tmpdir(), 'authgate-roundtrip-ad-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const sample = await readFile(path.join(fixtures, 'connect-ad-sample.gcfg'), 'utf8');
  // What an admin fills in: the DC's address and CA, the service account's password; the test AD keeps users in CN=Users.
  const filled = sample
    .replace(/^ServerAddress =$/m, `ServerAddress = ${samba.ldapsUrl.replace(/^ldaps:\/\//, '')}`)
    .replace('/etc/ssl/cert/ca.pem', samba.caFile)
    .replace('BindDN = "EXAMPLE\\\\admin"', `BindDN = "${samba.bindDN.replace(/\\/g, '\\\\')}"`)
    .replace(/OU=Users,DC=example,DC=com/g, 'CN=Users,DC=example,DC=com');
  await writeFile(path.join(dir, 'rstudio-connect.gcfg'), filled);
  const out = new PassThrough();
  const chunks: string[] = [];
  out.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
  const code = await run(['rstudio-connect.gcfg', '--write-secrets', 'ad-secrets'], { stdout: out, stderr: new PassThrough(), stdin: new PassThrough(), env: {}, cwd: dir });
  t.equal(code, 0);
  await writeFile(path.join(dir, 'ad-secrets', 'sample-ad-configuration-with-service-credentials-bind-password'), samba.bindPassword, { mode: 0o600 });
  const converted = parse(chunks.join('')) as Record<string, unknown>;
  delete converted.listen;
  const upstream = await startUpstream();
  t.teardown(() => upstream.close());
  const provider = (converted.auth as { providers: Array<Record<string, unknown>> }).providers[0]!;
  provider.bindPasswordFile = path.join(dir, 'ad-secrets', 'sample-ad-configuration-with-service-credentials-bind-password');
  const ag = await startAuthgate({ dir, config: { ...converted, upstream: { ...(converted.upstream as object), url: upstream.url }, session: { secretsFile: path.join(dir, 'ad-secrets', 'session-secrets') } } });
  t.teardown(() => ag.stop());
  const alice = await login(ag, 'alice', samba.userPassword);
  t.equal(alice.response.status, 302, alice.response.body.slice(0, 400));
  const r = await fetchText(ag, '/content/', { headers: { cookie: alice.cookie! } });
  t.equal(r.status, 200);
  const seen = upstream.received.at(-1)!;
  t.equal(seen.headers['x-auth-username'], 'alice', 'sAMAccountName as the username');
  t.match(String(seen.headers['x-auth-id']), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'objectGUID rendered as a GUID');
  t.equal(seen.headers['x-auth-role'], 'viewer', 'no mapped group: the default role');
});
