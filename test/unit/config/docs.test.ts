import t from 'tap';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { configJsonSchema } from '../../../src/config/index.ts';
import { configurationMarkdown } from '../../../src/config/docs.ts';

t.test('docs/configuration.md is generated from the current schema (run `npm run docs:config`)', async (t) => {
  const committed = readFileSync(path.resolve(import.meta.dirname, '../../../docs/configuration.md'), 'utf8');
  t.equal(committed, configurationMarkdown(configJsonSchema()));
});

t.test('every key of the contract appears in the reference', async (t) => {
  const markdown = configurationMarkdown(configJsonSchema());
  for (const key of ['listen.tls.minVersion', 'network.trustedProxies', 'upstream.profile', 'session.secretsFile', 'auth.providers[].serverAddress', 'auth.providers[].issuer', 'authorization.rules[].websocket', 'identity.assertion.ttl', 'audit.file']) {
    t.ok(markdown.includes(`\`${key}\``), key);
  }
});
