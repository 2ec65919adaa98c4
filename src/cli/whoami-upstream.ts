/** `authgate whoami-upstream --port N [--jwks-url URL]`: the diagnostic upstream as its own process. */
import { startWhoami } from '../demo/whoami.ts';
import type { CliIo } from './io.ts';
import { parseArgs, stringFlag } from './args.ts';

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv);
  const port = Number(stringFlag(args, 'port') ?? 8081);
  const jwksUrl = stringFlag(args, 'jwks-url');
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.stderr.write('usage: authgate whoami-upstream [--port N] [--host 127.0.0.1] [--jwks-url URL] [--header X-Authgate-Assertion]\n');
    return 2;
  }
  const whoami = await startWhoami({
    port,
    host: stringFlag(args, 'host') ?? '127.0.0.1',
    assertionHeader: stringFlag(args, 'header') ?? 'X-Authgate-Assertion',
    jwks: async () => {
      if (!jwksUrl) return { keys: [] };
      const response = await fetch(jwksUrl);
      return (await response.json()) as { keys: [] };
    },
  });
  io.stdout.write(`whoami upstream listening on http://127.0.0.1:${whoami.port}\n`);
  await new Promise<void>((resolve) => process.once('SIGTERM', resolve).once('SIGINT', resolve));
  await whoami.close();
  return 0;
}
