/**
 * Round trip: Connect's documented sample, its ServerAddress filled in, converted by
 * `authgate import-connect --write-secrets`, is accepted by authgate's configuration schema.
 *
 * Providers are checked against their own schemas and the rest of the file through the
 * loader, because auth.providers does not accept ldap/oidc yet (see
 * import-roundtrip.pending.ts, the full-file version to enable once it does).
 */
import t from 'tap';
import { PassThrough } from 'node:stream';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { run } from '../../../src/cli/import-connect.ts';
import { loadConfigText } from '../../../src/config/index.ts';
import { ldapProviderSchema } from '../../../src/config/schema/ldap.ts';
import { oidcProviderSchema } from '../../../src/config/schema/oidc.ts';

const fixtures = path.join(import.meta.dirname, '../../fixtures/connect');

async function convertInto(dir: string, gcfg: string): Promise<{ code: number; stderr: string; config: Record<string, unknown> }> {
  await writeFile(path.join(dir, 'rstudio-connect.gcfg'), gcfg);
  const stderr: string[] = [];
  const err = new PassThrough();
  err.on('data', (c: Buffer) => stderr.push(c.toString('utf8')));
  const code = await run(['rstudio-connect.gcfg', '--write-secrets', 'secrets', '--output', 'authgate.yaml'], {
    stdout: new PassThrough(), stderr: err, stdin: new PassThrough(), env: {}, cwd: dir,
  });
  const config = parseYaml(await readFile(path.join(dir, 'authgate.yaml'), 'utf8')) as Record<string, unknown>;
  return { code, stderr: stderr.join(''), config };
}

const cases: Array<{ name: string; file: string; edit: (text: string) => string }> = [
  {
    name: 'the documented AD sample with a server address filled in',
    file: 'connect-ad-sample.gcfg',
    edit: (text) => text.replace(/^ServerAddress =$/m, 'ServerAddress = dc1.example.com:636').replace('/etc/ssl/cert/ca.pem', 'test-ca.pem'),
  },
  { name: 'an OpenID Connect configuration', file: 'connect-oauth2.gcfg', edit: (text) => text.replace(/^UniqueIdClaim.*$/m, '') },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'authgate-roundtrip-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    await cp(fixtures, dir, { recursive: true });
    const { code, stderr, config } = await convertInto(dir, c.edit(await readFile(path.join(fixtures, c.file), 'utf8')));
    t.equal(code, 0, stderr);

    const providers = (config['auth'] as { providers: Array<Record<string, unknown>> }).providers;
    t.ok(providers.length > 0);
    for (const provider of providers) {
      const schema = provider['type'] === 'ldap' ? ldapProviderSchema : oidcProviderSchema;
      const parsed = schema.safeParse(provider);
      t.ok(parsed.success, `${String(provider['type'])} provider is valid: ${parsed.error ? JSON.stringify(parsed.error.issues) : ''}`);
    }

    const rest = { ...config, auth: { providers: [] } };
    const loaded = loadConfigText(stringify(rest), { cwd: dir, env: {} });
    t.ok(loaded.ok, `the rest of the file loads: ${loaded.ok ? '' : JSON.stringify(loaded.issues)}`);
    if (loaded.ok) t.same(loaded.loaded.warnings.filter((w) => w.severity === 'error'), []);
  });
}
