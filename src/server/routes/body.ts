/**
 * Small form bodies (login, logout): urlencoded only, size-limited and time-limited. A request
 * that asked for `Expect: 100-continue` gets its 100 here, once the route has decided to read.
 * When the body is refused (too large, too slow) the response is sent without waiting for the
 * rest; the listener closes a connection whose request body was not read to its end.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AuthgateError } from '../../core/index.ts';

const MAX_FORM_BYTES = 16_384;

/** Whether the client waits for `100 Continue` before sending the body (Node emits such requests through 'checkContinue'). */
function expectsContinue(req: IncomingMessage): boolean {
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

export async function readForm(req: IncomingMessage, res: ServerResponse, timeoutMs: number): Promise<URLSearchParams> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw new AuthgateError('ERR_BAD_REQUEST', 'Expected a form (application/x-www-form-urlencoded).', { status: 415 });
  }
  const body = await readBody(req, res, { maxBytes: MAX_FORM_BYTES, timeoutMs, what: 'form' });
  return new URLSearchParams(body.toString('utf8'));
}

/**
 * Reads a whole request body of at most `maxBytes` within `timeoutMs`. Too large (declared or
 * received): 413; cut off: 400; too slow: 408. `what` names the body in the messages ("form").
 */
export async function readBody(req: IncomingMessage, res: ServerResponse, limits: { maxBytes: number; timeoutMs: number; what: string }): Promise<Buffer> {
  const { maxBytes, timeoutMs, what } = limits;
  const tooLarge = () => new AuthgateError('ERR_BAD_REQUEST', `${capitalised(what)} too large (more than ${maxBytes} bytes).`, { status: 413 });
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) {
    res.setHeader('connection', 'close');
    throw tooLarge();
  }
  continueIfExpected(req, res);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (error: AuthgateError | undefined) => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onError);
      if (error) {
        // The rest of the body is not read: this connection cannot carry another request.
        if (!res.headersSent) res.setHeader('connection', 'close');
        req.pause();
        reject(error);
      } else resolve(Buffer.concat(chunks));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) return done(tooLarge());
      chunks.push(chunk);
    };
    const onEnd = () => done(undefined);
    const onError = () => done(new AuthgateError('ERR_BAD_REQUEST', `The ${what} was cut off.`, { status: 400 }));
    const timer = setTimeout(
      () => done(new AuthgateError('ERR_REQUEST_TIMEOUT', `The ${what} did not arrive within ${Math.round(timeoutMs / 100) / 10} s.`, { status: 408, detail: `${size} bytes received` })),
      timeoutMs,
    );
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onError);
    req.once('aborted', onError);
  });
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
