/** Small form bodies (login, logout): size-limited, urlencoded only. */
import type { IncomingMessage } from 'node:http';
import { AuthgateError } from '../errors.ts';

const MAX_FORM_BYTES = 16_384;

export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw new AuthgateError('ERR_BAD_REQUEST', 'Expected a form (application/x-www-form-urlencoded).', { status: 415 });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) throw new AuthgateError('ERR_BAD_REQUEST', 'Form too large.', { status: 413 });
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
