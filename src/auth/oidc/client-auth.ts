/**
 * How authgate authenticates to the token endpoint: client secret (basic or post) or
 * private_key_jwt with a PEM key (RSA -> RS256, EC P-256 -> ES256).
 */
import { createPrivateKey } from 'node:crypto';
import type { OidcProviderConfig } from '../../config/schema/oidc.ts';
import { AuthgateError } from '../../core/index.ts';
import { ClientSecretBasic, ClientSecretPost, PrivateKeyJwt } from './client.ts';

export function clientAuth(
  config: OidcProviderConfig,
  id: string,
  readSecret: (name: 'clientSecret') => string | undefined,
  readFile: (path: string) => string,
) {
  if (config.tokenEndpointAuthMethod === 'private_key_jwt') {
    const key = createPrivateKey(readFile(config.privateKeyFile as string));
    const algorithm =
      key.asymmetricKeyType === 'ec'
        ? { name: 'ECDSA', namedCurve: 'P-256' }
        : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    return PrivateKeyJwt(key.toCryptoKey(algorithm, false, ['sign']));
  }
  const secret = readSecret('clientSecret');
  if (!secret) {
    throw new AuthgateError('ERR_CONFIG_INVALID', `OIDC provider ${id} has no client secret`, {
      detail: 'set clientSecretFile, clientSecretEnv or clientSecret',
    });
  }
  return config.tokenEndpointAuthMethod === 'client_secret_post' ? ClientSecretPost(secret) : ClientSecretBasic(secret);
}
