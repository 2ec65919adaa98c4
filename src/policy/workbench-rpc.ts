/**
 * RStudio's JSON-RPC shape, checked so path rules on `/rpc/<name>` hold. Pure.
 *
 * The IDE posts each RPC to `<page>/rpc/<name>` with a JSON body `{"method": "<name>", ...}`, but
 * the session runs the method the body names, whatever the URL says: it routes every URI that
 * starts with `/rpc/` to the JSON-RPC handler, which reads `method` from the body
 * (session/SessionHttpMethods.cpp, core/json/JsonRpc.cpp `parseJsonRpcRequest`, and
 * SessionRpc.cpp `handleRpcRequest`: `s_jsonRpcMethods.find(request.method)`). Without this check
 * `POST /rpc/console_input` with `{"method":"start_terminal"}` would pass a rule written for
 * `/**\/rpc/*terminal*`. So a request with a body whose path has an `rpc` segment must end in
 * `/rpc/<name>` and its body must be one JSON object whose last `method` member (the one
 * RStudio's loop keeps, as does JSON.parse) is `<name>` or absent (RStudio refuses a request
 * without a method: "method is required").
 * A body that is not valid UTF-8 JSON is refused: a lenient parser upstream could read a method
 * in it that this one cannot see.
 */

/** The RPC name the rules judge for this canonical target, `''` for a path that reaches the RPC handler in no judged form, undefined for no RPC path. */
export function rpcPathName(target: string): string | undefined {
  const path = target.split('?', 1)[0] ?? '';
  const segments = path.split('/');
  const at = segments.indexOf('rpc');
  if (at === -1 || at === segments.length - 1) return undefined;
  const last = segments.length - 1;
  if (segments[last - 1] !== 'rpc' || segments[last] === '') return '';
  return decodeURIComponent(segments[last] as string);
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Why the body does not match the RPC named in the URL, or undefined when it does. */
export function rpcBodyMismatch(name: string, body: Uint8Array): string | undefined {
  if (name === '') return 'an RPC path must end in /rpc/<method>';
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8.decode(body));
  } catch {
    return 'the RPC body is not valid UTF-8 JSON';
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return 'the RPC body is not a JSON object';
  const method = (parsed as Record<string, unknown>).method;
  if (method === undefined) return undefined;
  if (method !== name) return `the RPC body names method ${JSON.stringify(String(method).slice(0, 100))}, the URL ${JSON.stringify(name.slice(0, 100))}`;
  return undefined;
}
