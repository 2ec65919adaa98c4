import t from 'tap';
import { rpcBodyMismatch, rpcPathName } from '../../../src/policy/workbench-rpc.ts';

t.test('rpcPathName: the method an RPC URL names', async (t) => {
  const cases: Array<[string, string | undefined]> = [
    ['/rpc/console_input', 'console_input'],
    ['/s/9a8b7c6d5e4f3a2b1c0d9/rpc/start_terminal?x=1', 'start_terminal'],
    ['/p/58fab3e4/rpc/a%C3%A9', 'aé'],
    ['/rpc/a/b', ''],
    ['/rpc/', ''],
    ['/rpc', undefined],
    ['/grpc/x', undefined],
    ['/RPC/x', undefined],
    ['/', undefined],
  ];
  for (const [target, name] of cases) t.equal(rpcPathName(target), name, target);
});

t.test('rpcBodyMismatch: the body must name the URL method (its last "method" member) or none', async (t) => {
  const enc = (s: string) => new TextEncoder().encode(s);
  const cases: Array<[string, Uint8Array, string | undefined]> = [
    ['console_input', enc('{"method":"console_input","params":[]}'), undefined],
    ['console_input', enc('{"params":[]}'), undefined],
    ['console_input', enc('{"method":"start_terminal"}'), 'the RPC body names method "start_terminal", the URL "console_input"'],
    ['console_input', enc('{"method":"console_input","method":"git_push"}'), 'the RPC body names method "git_push", the URL "console_input"'],
    ['console_input', enc('{"meth\\u006fd":"git_push"}'), 'the RPC body names method "git_push", the URL "console_input"'],
    ['console_input', enc('{"method":1}'), 'the RPC body names method "1", the URL "console_input"'],
    ['console_input', enc('\uFEFF{"method":"console_input"}'), 'the RPC body is not valid UTF-8 JSON'],
    ['console_input', Uint8Array.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), 'the RPC body is not valid UTF-8 JSON'],
    ['console_input', enc('{"method":"console_input"}/**/'), 'the RPC body is not valid UTF-8 JSON'],
    ['console_input', enc('null'), 'the RPC body is not a JSON object'],
    ['', enc('{"method":"x"}'), 'an RPC path must end in /rpc/<method>'],
  ];
  for (const [name, body, expected] of cases) t.equal(rpcBodyMismatch(name, body), expected, `${name} ${new TextDecoder().decode(body)}`);
});
