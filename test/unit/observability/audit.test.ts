import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, renameSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createAuditLog, redactQuery, typedSubject } from '../../../src/observability/index.ts';

const fixed = () => new Date('2026-11-23T10:00:00.000Z');

t.test('events are JSON lines with a closed set of names; untrusted values stay under subject', async (t) => {
  const lines: string[] = [];
  const audit = createAuditLog({ file: '-', now: fixed, sink: (l) => void lines.push(l) });
  audit.emit('auth.login.failed', { clientIp: '10.0.0.1', provider: 'corp', subject: { username: '"}{"event":"forged' }, reason: 'bad-credentials' });
  t.equal(lines.length, 1);
  const event = JSON.parse(lines[0]!);
  t.same(event, { time: '2026-11-23T10:00:00.000Z', type: 'audit', event: 'auth.login.failed', clientIp: '10.0.0.1', provider: 'corp', subject: { username: '"}{"event":"forged' }, reason: 'bad-credentials' });
  t.ok(lines[0]!.endsWith('\n') && lines[0]!.split('\n').length === 2, 'one line per event, whatever the input');
});

t.test('rotation by size keeps maxFiles generations', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'authgate-audit-'));
  const file = path.join(dir, 'audit.log');
  const audit = createAuditLog({ file, maxSize: 400, maxFiles: 2, now: fixed });
  for (let i = 0; i < 20; i++) audit.emit('authz.denied', { rule: `rule-${i}`, path: '/x' });
  await audit.close();
  await new Promise((r) => setTimeout(r, 50));
  t.ok(existsSync(`${file}.1`), 'first generation');
  t.ok(existsSync(`${file}.2`), 'second generation');
  t.notOk(existsSync(`${file}.3`), 'no more than maxFiles');
  const all = [file, `${file}.1`, `${file}.2`].filter(existsSync).map((f) => readFileSync(f, 'utf8')).join('');
  t.match(all, /rule-19/, 'the newest event is kept');
});

t.test('reopen after logrotate moved the file writes to a fresh file', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'authgate-audit-'));
  const file = path.join(dir, 'audit.log');
  const audit = createAuditLog({ file, now: fixed });
  audit.emit('server.started');
  await new Promise((r) => setTimeout(r, 50));
  renameSync(file, `${file}.old`);
  audit.reopen();
  audit.emit('config.reloaded');
  await audit.close();
  await new Promise((r) => setTimeout(r, 50));
  t.match(readFileSync(`${file}.old`, 'utf8'), /server\.started/);
  t.match(readFileSync(file, 'utf8'), /config\.reloaded/);
  t.notMatch(readFileSync(file, 'utf8'), /server\.started/);
});

t.test('redactQuery keeps the path and parameter names, never a value', async (t) => {
  const cases: Array<[string, string]> = [
    ['/a/b', '/a/b'],
    ['/a?x=1', '/a?x=[redacted]'],
    ['/a?token=abc&page=2', '/a?token=[redacted]&page=[redacted]'],
    ['/a?bare-secret', '/a?[redacted]'],
    ['/a?x=1&&y=', '/a?x=[redacted]&&y=[redacted]'],
    ['/a?', '/a?'],
    ['/a?k=v=w', '/a?k=[redacted]'],
    ['/a?x=1?y=2', '/a?x=[redacted]'],
    ['/a%3Fb?c=d', '/a%3Fb?c=[redacted]'],
  ];
  for (const [target, expected] of cases) t.equal(redactQuery(target), expected, target);
});

t.test('a path in any event has its query values redacted unless queryValues is set', async (t) => {
  const lines: string[] = [];
  createAuditLog({ file: '-', now: fixed, sink: (l) => void lines.push(l) }).emit('request.completed', { path: '/x?code=secret', status: 200 });
  createAuditLog({ file: '-', now: fixed, sink: (l) => void lines.push(l), queryValues: true }).emit('request.completed', { path: '/x?code=secret', status: 200 });
  t.same(lines.map((l) => JSON.parse(l).path), ['/x?code=[redacted]', '/x?code=secret']);
});

t.test('typedSubject: control and format characters removed, then 64 characters, flagged unverified', async (t) => {
  const cases: Array<[string, string]> = [
    ['bob', 'bob'],
    ['a'.repeat(100), 'a'.repeat(64)],
    ['x\u0000y\r\nz\u202e\u200b', 'xyz'],
    ['\u0007'.repeat(300) + 'name', 'name'],
    ['😀'.repeat(70), '😀'.repeat(64)],
    ['', ''],
  ];
  for (const [typed, expected] of cases) t.same(typedSubject(typed), { typedUsername: expected, verified: false }, JSON.stringify(typed.slice(0, 12)));
});
