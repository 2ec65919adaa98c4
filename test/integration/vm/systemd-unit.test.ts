/**
 * The files under deploy/ checked by the tools that will read them: `systemd-analyze verify` for
 * the unit, `systemd-sysusers` / `systemd-tmpfiles` into a temporary root, `logrotate --debug`.
 * Nothing is started; no systemd needs to run.
 */
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { processAccountProblems } from '../../../src/privileges/index.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const UNIT = path.join(ROOT, 'deploy/systemd/authgate.service');
const unitText = readFileSync(UNIT, 'utf8');

function tool(t: Test, command: string, pkg: string): boolean {
  const found = spawnSync(command, ['--version'], { stdio: 'pipe' });
  if (found.error) {
    t.fail(`${command} is missing: install the Debian package ${pkg} (bash .ci/install-systemd-tools.sh)`);
    return false;
  }
  return true;
}

/** The unit with its Exec lines pointed at this checkout (verify insists the binaries exist), plus `extra`. */
function verifyUnit(extra: string): { status: number | null; problems: string[]; output: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'authgate-unit-'));
  const file = path.join(dir, 'authgate.service');
  writeFileSync(file, unitText.replaceAll('/usr/bin/authgate', `${process.execPath} ${path.join(ROOT, 'bin/authgate.js')}`) + extra);
  const r = spawnSync('systemd-analyze', ['verify', '--man=no', '--generators=no', file], { encoding: 'utf8', env: { ...process.env, SYSTEMD_LOG_COLOR: '0', SYSTEMD_PAGER: '' } });
  const output = `${r.stdout}${r.stderr}`;
  // Every diagnostic about the file names it ("…/authgate.service:12: Unknown key …"), and verify exits 0 for some of them.
  return { status: r.status, problems: output.split('\n').filter((line) => line.includes(file)), output };
}

const verifyCases: { name: string; extra: string; problem?: RegExp }[] = [
  { name: 'the shipped unit has no unknown or invalid directive', extra: '' },
  { name: 'an unknown directive is caught', extra: '\n[Service]\nPrivateTmpp=yes\n', problem: /Unknown key/ },
  { name: 'an unknown section is caught', extra: '\n[Servise]\nUser=authgate\n', problem: /Unknown section 'Servise'/ },
  { name: 'an invalid value is caught', extra: '\n[Service]\nRestart=sometimes\n', problem: /Failed to parse .*sometimes/ },
];

t.test('systemd-analyze verify', async (t) => {
  if (!tool(t, 'systemd-analyze', 'systemd')) return;
  for (const c of verifyCases) {
    t.test(c.name, async (t) => {
      const r = verifyUnit(c.extra);
      if (!c.problem) {
        t.equal(r.status, 0, r.output);
        t.same(r.problems, [], r.output);
      } else {
        t.ok(r.problems.some((line) => c.problem!.test(line)), `expected a diagnostic matching ${c.problem}, got:\n${r.output}`);
      }
    });
  }
});

const directives: { name: string; line: RegExp }[] = [
  { name: 'a dedicated system user', line: /^User=authgate$/m },
  { name: 'only CAP_NET_BIND_SERVICE, ambient', line: /^AmbientCapabilities=CAP_NET_BIND_SERVICE$/m },
  { name: 'bounding set is CAP_NET_BIND_SERVICE alone', line: /^CapabilityBoundingSet=CAP_NET_BIND_SERVICE$/m },
  { name: 'no new privileges', line: /^NoNewPrivileges=yes$/m },
  { name: 'read-only system', line: /^ProtectSystem=strict$/m },
  { name: 'no home directories', line: /^ProtectHome=yes$/m },
  { name: 'private /tmp', line: /^PrivateTmp=yes$/m },
  { name: 'no devices', line: /^PrivateDevices=yes$/m },
  { name: 'configuration read-only', line: /^ReadOnlyPaths=\/etc\/authgate$/m },
  { name: 'the audit log directory writable', line: /^ReadWritePaths=\/var\/log\/authgate$/m },
  { name: 'IP and unix sockets only', line: /^RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX$/m },
  { name: 'system call filter', line: /^SystemCallFilter=@system-service$/m },
  { name: 'native system calls only', line: /^SystemCallArchitectures=native$/m },
  { name: 'personality locked', line: /^LockPersonality=yes$/m },
  { name: 'reload sends SIGHUP', line: /^ExecReload=\/bin\/kill -HUP \$MAINPID$/m },
  { name: 'restart on failure', line: /^Restart=on-failure$/m },
  { name: 'the serve command', line: /^ExecStart=\/usr\/bin\/authgate serve --config \/etc\/authgate\/authgate\.yaml$/m },
];

t.test('the unit carries the hardening the install guide promises', async (t) => {
  for (const d of directives) t.match(unitText, d.line, d.name);
  // V8's JIT maps memory writable and executable: MemoryDenyWriteExecute=yes kills node at start.
  t.notMatch(unitText, /^MemoryDenyWriteExecute=(yes|true|on|1)$/m, 'MemoryDenyWriteExecute would break V8');
});

t.test('sysusers and tmpfiles create the user and directories the unit and process.user expect', async (t) => {
  if (!tool(t, 'systemd-sysusers', 'systemd') || !tool(t, 'systemd-tmpfiles', 'systemd')) return;
  const root = mkdtempSync(path.join(os.tmpdir(), 'authgate-root-'));
  mkdirSync(path.join(root, 'etc'));
  mkdirSync(path.join(root, 'var/log'), { recursive: true });
  const users = spawnSync('systemd-sysusers', [`--root=${root}`, path.join(ROOT, 'deploy/systemd/authgate.sysusers.conf')], { encoding: 'utf8' });
  t.equal(users.status, 0, `${users.stdout}${users.stderr}`);
  const db = { passwd: readFileSync(path.join(root, 'etc/passwd'), 'utf8'), group: readFileSync(path.join(root, 'etc/group'), 'utf8') };
  t.match(db.passwd, /^authgate:x:\d+:\d+:[^:]*:[^:]*:\/usr\/sbin\/nologin$/m, 'a system user without a login shell');
  t.same(processAccountProblems({ user: 'authgate', group: 'authgate', allowRoot: false }, db), [], 'process.user: authgate resolves against it');
  const uid = Number(/^authgate:x:(\d+):/m.exec(db.passwd)?.[1]);
  const gid = Number(/^authgate:x:(\d+):/m.exec(db.group)?.[1]);

  const dirs = spawnSync('systemd-tmpfiles', [`--root=${root}`, '--create', path.join(ROOT, 'deploy/systemd/authgate.tmpfiles.conf')], { encoding: 'utf8' });
  t.equal(dirs.status, 0, `${dirs.stdout}${dirs.stderr}`);
  const etc = statSync(path.join(root, 'etc/authgate'));
  t.same([etc.uid, etc.gid, etc.mode & 0o777], [0, gid, 0o750], '/etc/authgate: root-owned, readable by the authgate group only');
  const log = statSync(path.join(root, 'var/log/authgate'));
  t.same([log.uid, log.gid, log.mode & 0o777], [uid, gid, 0o750], '/var/log/authgate: writable by authgate, so it can re-create the audit file');
});

t.test('logrotate accepts the audit log snippet', async (t) => {
  if (!tool(t, 'logrotate', 'logrotate')) return;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'authgate-logrotate-'));
  const conf = path.join(dir, 'authgate');
  writeFileSync(conf, readFileSync(path.join(ROOT, 'deploy/logrotate/authgate')), { mode: 0o644 });
  const r = spawnSync('logrotate', ['--debug', '--state', path.join(dir, 'state'), conf], { encoding: 'utf8' });
  const output = `${r.stdout}${r.stderr}`;
  t.equal(r.status, 0, output);
  t.same(output.split('\n').filter((line) => /^error:/.test(line)), [], output);
  t.match(readFileSync(conf, 'utf8'), /postrotate[\s\S]*--signal=HUP[\s\S]*endscript/, 'postrotate sends SIGHUP so authgate reopens the file');
});
