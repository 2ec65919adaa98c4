import t from 'tap';
import { loadConfigText } from '../../../src/config/index.ts';

t.test('regression: a schema mistake no longer hides a missing file', async (t) => {
  const text = 'listen:\n  prot: 1\n  tls: { certFile: /nope/cert.pem, keyFile: /nope/key.pem }\nupstream: { url: "http://127.0.0.1:1" }\nsession: { secretsFile: /nope/secrets }\n';
  const r = loadConfigText(text, { env: {} });
  t.notOk(r.ok);
  if (r.ok) return;
  t.same(
    r.issues.map((i) => `${i.line}: ${i.path}`),
    ['2: listen.prot', '3: listen.tls.certFile', '3: listen.tls.keyFile', '5: session.secretsFile'],
  );
});

t.test('every *File key and tlsCACertificate is checked, in providers too', async (t) => {
  const text = 'upstream: { url: "http://127.0.0.1:1" }\nsession: { secretsEnv: S }\nauth:\n  providers:\n    - { type: local, usersFile: /nope/users.yaml }\n    - { type: ldap, name: AD, serverAddress: "ldaps://dc:636", tlsCACertificate: /nope/ca.pem, bindDN: x, bindPasswordFile: /nope/pw, userSearchBaseDN: "dc=x", userObjectClass: user }\n';
  const r = loadConfigText(text, { env: { S: 'a-session-secret-that-is-long-enough-0123456789' } });
  t.notOk(r.ok);
  if (r.ok) return;
  const paths = r.issues.filter((i) => i.severity === 'error').map((i) => i.path);
  t.ok(paths.includes('auth.providers[0].usersFile'));
  t.ok(paths.includes('auth.providers[1].tlsCACertificate'));
  t.ok(paths.includes('auth.providers[1].bindPasswordFile'));
  t.equal(paths.filter((p) => p === 'auth.providers[0].usersFile').length, 1, 'reported once, not by two passes');
});
