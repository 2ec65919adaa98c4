import t from 'tap';
import { z } from 'zod';
import { oidcProviderSchema, usesGooglePreset } from '../../../../src/config/schema/oidc.ts';

const base = { type: 'oidc', name: 'Google', issuer: 'https://accounts.google.com', clientId: 'cid', clientSecretFile: '/secrets/s' };

t.test('defaults', async (t) => {
  const config = oidcProviderSchema.parse(base);
  t.same(config.scopes, ['openid', 'email', 'profile']);
  t.equal(config.usernameClaim, 'email');
  t.equal(config.tokenEndpointAuthMethod, 'client_secret_basic');
  t.equal(config.discoveryRetryInterval, 30_000);
  t.equal(config.httpTimeout, 10_000);
  t.equal(config.requireVerifiedEmail, true);
  t.equal(config.logoutAtProvider, false);
  t.equal(config.allowInsecureRequests, false);
  t.equal(config.preset, 'auto');
  t.equal(usesGooglePreset(config), true);
  t.equal(usesGooglePreset({ ...config, issuer: 'https://accounts.google.com/' }), true);
  t.equal(usesGooglePreset({ ...config, issuer: 'https://login.example.com' }), false);
  t.equal(usesGooglePreset({ ...config, issuer: 'https://login.example.com', preset: 'google' }), true);
  t.equal(usesGooglePreset({ ...config, preset: 'generic' }), false);
});

const invalid: { name: string; input: Record<string, unknown>; path: string; message: RegExp }[] = [
  { name: 'unknown key', input: { ...base, clientSecretFiel: 'x' }, path: '', message: /clientSecretFiel/ },
  { name: 'plain http issuer', input: { ...base, issuer: 'http://idp.local' }, path: 'issuer', message: /is plaintext; use https:\/\// },
  { name: 'not a URL', input: { ...base, issuer: 'accounts.google.com' }, path: 'issuer', message: /not a valid URL/ },
  { name: 'scopes without openid', input: { ...base, scopes: ['email'] }, path: 'scopes', message: /must include openid/ },
  { name: 'scope with a space', input: { ...base, scopes: ['openid email'] }, path: 'scopes.0', message: /single scope token/ },
  { name: 'private_key_jwt without key', input: { ...base, clientSecretFile: undefined, tokenEndpointAuthMethod: 'private_key_jwt' }, path: 'privateKeyFile', message: /required/ },
  { name: 'private_key_jwt with a secret', input: { ...base, tokenEndpointAuthMethod: 'private_key_jwt', privateKeyFile: 'k.pem' }, path: 'tokenEndpointAuthMethod', message: /does not use a client secret/ },
  { name: 'key file without private_key_jwt', input: { ...base, privateKeyFile: 'k.pem' }, path: 'privateKeyFile', message: /only used with/ },
  { name: 'groupsFromProvider alone', input: { ...base, groupsFromProvider: 'corp-ad' }, path: 'groupsFromProvider', message: /only used with groupsFrom/ },
  { name: 'groupsFrom other than ldap', input: { ...base, groupsFrom: 'scim' }, path: 'groupsFrom', message: /ldap/ },
  { name: 'bad duration', input: { ...base, membershipUpdateInterval: 'soon' }, path: 'membershipUpdateInterval', message: /is not a duration/ },
  { name: 'bad domain', input: { ...base, allowedDomains: ['@example.com'] }, path: 'allowedDomains.0', message: /domain name/ },
  { name: 'bad id', input: { ...base, id: 'Google IdP' }, path: 'id', message: /lower-case/ },
  { name: 'bad prompt', input: { ...base, prompt: 'always' }, path: 'prompt', message: /./ },
];
for (const c of invalid) {
  t.test(c.name, async (t) => {
    const result = oidcProviderSchema.safeParse(c.input);
    t.equal(result.success, false);
    const issue = result.error?.issues.find((i) => i.path.join('.') === c.path);
    t.ok(issue, `an issue at "${c.path}": ${JSON.stringify(result.error?.issues)}`);
    t.match(issue?.message ?? JSON.stringify(issue), c.message);
  });
}

t.test('http issuer allowed only with allowInsecureRequests', async (t) => {
  t.equal(oidcProviderSchema.safeParse({ ...base, issuer: 'http://127.0.0.1:8080', allowInsecureRequests: true }).success, true);
});

t.test('every key has a description', async (t) => {
  const json = z.toJSONSchema(oidcProviderSchema, { io: 'input', unrepresentable: 'any' });
  const properties = (json as { properties: Record<string, { description?: string }> }).properties;
  for (const [key, value] of Object.entries(properties)) t.ok(value.description, `${key} has a description`);
});
