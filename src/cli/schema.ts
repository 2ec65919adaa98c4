/** `authgate schema`: the configuration's JSON Schema. */
import { configJsonSchema } from '../config/index.ts';
import type { CliIo } from './io.ts';

export async function run(_argv: string[], io: CliIo): Promise<number> {
  io.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
  return 0;
}
