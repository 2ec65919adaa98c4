/** `authgate ldap-test` against a real slapd: every step printed, password never printed, exit codes. */
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { startSlapd } from '../../support/slapd.ts';
import { run } from '../../../src/cli/ldap-test.ts';

const slapd = await startSlapd();
t.teardown(() => slapd.stop());
const dir = mkdtempSync(path.join(os.tmpdir(), 'authgate-ldap-test-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(path.join(dir, 'bind-password'), `${slapd.bindPassword}\n`, { mode: 0o600 });
writeFileSync(path.join(dir, 'session-secrets'), `${'s'.repeat(48)}\n`, { mode: 0o600 });
const configFile = path.join(dir, 'authgate.yaml');
writeFileSync(configFile, `
listen: { address: 127.0.0.1, port: 8443 }
publicUrl: https://rstudio.example.com
upstream: { url: "http://127.0.0.1:3939", profile: connect }
session: { secretsFile: session-secrets }
auth:
  providers:
    - type: ldap
      name: Test OpenLDAP
      serverAddress: ["ldaps://127.0.0.1:1", "${slapd.ldapsUrl}"]
      tlsCACertificate: ${slapd.caFile}
      bindDN: "${slapd.bindDN}"
      bindPasswordFile: bind-password
      userSearchBaseDN: "ou=Users,${slapd.baseDN}"
      userObjectClass: inetOrgPerson
      uniqueIdAttribute: entryUUID
      userRoleAttribute: employeeType
      groupSearchBaseDN: "ou=Groups,${slapd.baseDN}"
      groupObjectClass: groupOfNames
      nestedGroups: true
      permittedLoginGroups: [Staff]
authorization:
  userRoleGroupMapping: true
  administratorRoleMapping: [Admins]
  publisherRoleMapping: ["cn=Everyone,ou=Groups,${slapd.baseDN}"]
`);

async function cli(argv: string[], stdin: string) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  const code = await run(argv, { stdout, stderr, stdin: Readable.from([stdin]), env: {}, cwd: dir });
  return { code, out, err };
}

t.test('a permitted user: every step, role, exit 0', async (t) => {
  const { code, out, err } = await cli(['--config', configFile, '--user', 'alice'], `${slapd.userPassword}\n`);
  t.equal(code, 0, err + out);
  for (const step of ['server', 'bind', 'filter', 'entry', 'attributes', 'groups', 'nested-groups', 'permitted', 'role', 'result']) t.match(out, `[${step}]`, `prints ${step}`);
  t.match(out, /\[server\] FAIL ldaps:\/\/127\.0\.0\.1:1 failed/, 'the dead address is reported');
  t.match(out, /login OK: alice \([0-9a-f-]{36}\), role publisher/);
  t.notOk(out.includes(slapd.userPassword) || err.includes(slapd.userPassword), 'password never printed');
  t.notOk(out.includes(slapd.bindPassword), 'service password never printed');
});

t.test('refusals exit 1 with the reason', async (t) => {
  const cases = [
    { user: 'carol', password: slapd.userPassword, reason: 'not-permitted' },
    { user: 'alice', password: 'wrong', reason: 'bad-credentials' },
    { user: 'alice', password: '', reason: 'bad-credentials' },
  ];
  for (const c of cases) {
    const { code, out } = await cli(['--config', configFile, '--user', c.user], `${c.password}\n`);
    t.equal(code, 1, `${c.user}: exit 1`);
    t.match(out, `login refused: ${c.reason}`);
  }
});

t.test('usage and configuration errors exit 2', async (t) => {
  t.equal((await cli(['--config', configFile], '')).code, 2, 'no --user');
  const withPassword = await cli(['--config', configFile, '--user', 'alice', '--password', 'x'], '');
  t.equal(withPassword.code, 2);
  t.match(withPassword.err, 'passwords are read from stdin, never from the command line');
  t.match(await cli(['--config', configFile, '--user', 'alice', '--provider', 'nope'], ''), { code: 2, err: /no ldap provider with id "nope" \(have: test-openldap\)/ });
  t.match(await cli(['--config', path.join(dir, 'missing.yaml'), '--user', 'alice'], ''), { code: 2, err: /cannot read/ });
});
