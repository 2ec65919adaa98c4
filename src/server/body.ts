/**
 * Small form bodies (login, logout): size-limited, urlencoded only. A request that asked for
 * `Expect: 100-continue` gets its 100 here, once the route has decided to read.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AuthgateError } from '../errors.ts';

const MAX_FORM_BYTES = 16_384;

/** Whether the client waits for `100 Continue` before sending the body (Node emits such requests through 'checkContinue'). */
export function expectsContinue(req: IncomingMessage): boolean {
  const expect = req.headers.expect;
  return expect !== undefined && req.httpVersion === '1.1' && /(?:^|\W)100-continue(?:$|\W)/i.test(expect);
}

/** Sends `100 Continue` if the client is waiting for it (once per request). */
export function continueIfExpected(req: IncomingMessage, res: ServerResponse): void {
  if (expectsContinue(req) && !res.headersSent && !continued.has(res)) {
    continued.add(res);
    res.writeContinue();
  }
}
const continued = new WeakSet<ServerResponse>();

export async function readForm(req: IncomingMessage, res: ServerResponse): Promise<URLSearchParams> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw new AuthgateError('ERR_BAD_REQUEST', 'Expected a form (application/x-www-form-urlencoded).', { status: 415 });
  }
  continueIfExpected(req, res);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) throw new AuthgateError('ERR_BAD_REQUEST', 'Form too large.', { status: 413 });
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
