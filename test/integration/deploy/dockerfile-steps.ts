/**
 * Just enough of a Dockerfile and .dockerignore interpreter to perform an image build without
 * a Docker engine: instructions are parsed (continuations, ARG substitution, JSON and shell
 * forms), each stage gets its own root directory, COPY reads the build context (filtered by
 * .dockerignore) or an earlier stage, RUN executes npm commands in the stage's WORKDIR.
 * Anything it does not understand is an error, so a Dockerfile change cannot slip past it.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';

export interface Instruction {
  keyword: string;
  flags: Record<string, string>;
  /** The text after the keyword and flags, ARGs substituted. */
  text: string;
  line: number;
}

export interface Stage {
  name: string;
  image: string;
  root: string;
  workdir: string;
  env: Record<string, string>;
  labels: Record<string, string>;
  args: Record<string, string>;
  user?: string;
  expose: string[];
  healthcheck?: string[];
  entrypoint?: string[];
  cmd?: string[];
}

const KNOWN = new Set(['FROM', 'ARG', 'ENV', 'LABEL', 'WORKDIR', 'COPY', 'RUN', 'USER', 'EXPOSE', 'HEALTHCHECK', 'ENTRYPOINT', 'CMD']);

export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let current = lines[i] as string;
    if (/^\s*(#|$)/.test(current)) continue;
    while (/\\\s*$/.test(current) && i + 1 < lines.length) {
      i++;
      const next = lines[i] as string;
      if (/^\s*#/.test(next)) continue;
      current = current.replace(/\\\s*$/, ' ') + next.trim();
    }
    const match = /^\s*([A-Za-z]+)\s*(.*)$/.exec(current);
    if (!match) throw new Error(`Dockerfile line ${start + 1}: cannot parse ${JSON.stringify(current)}`);
    const keyword = (match[1] as string).toUpperCase();
    if (!KNOWN.has(keyword)) throw new Error(`Dockerfile line ${start + 1}: ${keyword} is not supported by the build test; extend test/integration/deploy/dockerfile-steps.ts`);
    let rest = (match[2] as string).trim();
    const flags: Record<string, string> = {};
    for (let flag = /^--([a-z-]+)(?:=(\S*))?\s+/.exec(rest); flag && keyword !== 'RUN'; flag = /^--([a-z-]+)(?:=(\S*))?\s+/.exec(rest)) {
      flags[flag[1] as string] = flag[2] ?? '';
      rest = rest.slice(flag[0].length);
    }
    out.push({ keyword, flags, text: rest, line: start + 1 });
  }
  return out;
}

/** `["a", "b"]` or shell form (wrapped as /bin/sh -c). */
function execForm(text: string): string[] {
  if (text.startsWith('[')) return JSON.parse(text) as string[];
  return ['/bin/sh', '-c', text];
}

function substitute(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, a: string | undefined, b: string | undefined) => vars[(a ?? b) as string] ?? whole);
}

/** `k=v k2="v 2"` pairs (LABEL, ENV, ARG defaults). */
function pairs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([A-Za-z0-9_.-]+)=("(?:[^"\\]|\\.)*"|\S*)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const raw = m[2] as string;
    out[m[1] as string] = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
  }
  return out;
}

/** .dockerignore semantics: last matching pattern wins, `!` re-includes, a match on a parent folder covers its files. */
export function dockerignore(text: string): (file: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = (negate ? l.slice(1) : l).replace(/^\/+/, '').replace(/\/+$/, '');
      return { negate, re: globRegExp(pattern) };
    });
  return (file) => {
    const prefixes = file.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
    let excluded = false;
    for (const rule of rules) if (prefixes.some((p) => rule.re.test(p))) excluded = !rule.negate;
    return excluded;
  };
}

function globRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*' && pattern[i + 1] === '*') {
      re += pattern[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += pattern[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export interface BuildOptions {
  instructions: Instruction[];
  context: string;
  workRoot: string;
  /** Environment of RUN steps besides the stage's ENV (PATH with Node 24, npm cache). */
  runEnv: Record<string, string>;
  buildArgs?: Record<string, string>;
  log?: (line: string) => void;
}

/** Performs every stage; returns them by name (the last one is the image). */
export async function build(options: BuildOptions): Promise<Stage[]> {
  const globalArgs: Record<string, string> = { ...(options.buildArgs ?? {}) };
  const stages: Stage[] = [];
  let stage: Stage | undefined;
  for (const ins of options.instructions) {
    const where = `Dockerfile line ${ins.line} (${ins.keyword})`;
    if (ins.keyword === 'FROM') {
      const [image, as, name] = substitute(ins.text, globalArgs).split(/\s+/);
      const stageName = as?.toUpperCase() === 'AS' && name ? name : String(stages.length);
      stage = { name: stageName, image: image as string, root: path.join(options.workRoot, `stage-${stageName}`), workdir: '/', env: {}, labels: {}, args: {}, expose: [] };
      mkdirSync(stage.root, { recursive: true });
      stages.push(stage);
      continue;
    }
    if (!stage) {
      if (ins.keyword !== 'ARG') throw new Error(`${where}: only ARG may come before FROM`);
      for (const [k, v] of Object.entries(pairs(ins.text))) globalArgs[k] = options.buildArgs?.[k] ?? v;
      continue;
    }
    const vars = { ...globalArgs, ...stage.args, ...stage.env };
    const text = substitute(ins.text, vars);
    switch (ins.keyword) {
      case 'ARG':
        for (const [k, v] of Object.entries(pairs(ins.text))) stage.args[k] = options.buildArgs?.[k] ?? v;
        break;
      case 'ENV':
        Object.assign(stage.env, pairs(text));
        break;
      case 'LABEL':
        Object.assign(stage.labels, pairs(text));
        break;
      case 'WORKDIR':
        stage.workdir = path.posix.resolve(stage.workdir, text);
        mkdirSync(inStage(stage, stage.workdir), { recursive: true });
        break;
      case 'USER':
        stage.user = text;
        break;
      case 'EXPOSE':
        stage.expose.push(...text.split(/\s+/));
        break;
      case 'HEALTHCHECK': {
        const m = /^CMD\s+(.*)$/.exec(text);
        if (!m) throw new Error(`${where}: expected HEALTHCHECK [options] CMD …`);
        stage.healthcheck = execForm(m[1] as string);
        break;
      }
      case 'ENTRYPOINT':
        stage.entrypoint = execForm(text);
        break;
      case 'CMD':
        stage.cmd = execForm(text);
        break;
      case 'COPY':
        copyStep(stage, stages, ins, text, options.context, where);
        break;
      case 'RUN':
        await runStep(stage, text, options, where);
        break;
      default:
        throw new Error(`${where}: not supported`);
    }
  }
  return stages;
}

export function inStage(stage: Stage, absolute: string): string {
  return path.join(stage.root, path.posix.resolve(stage.workdir, absolute));
}

function copyStep(stage: Stage, stages: Stage[], ins: Instruction, text: string, context: string, where: string): void {
  const unknown = Object.keys(ins.flags).filter((f) => !['from', 'chown', 'chmod', 'link'].includes(f));
  if (unknown.length > 0) throw new Error(`${where}: unsupported flag --${unknown.join(', --')}`);
  const parts = text.startsWith('[') ? (JSON.parse(text) as string[]) : text.split(/\s+/);
  const dest = parts.pop() as string;
  if (parts.length === 0) throw new Error(`${where}: COPY needs a source and a destination`);
  const from = ins.flags.from !== undefined ? stages.find((s) => s.name === ins.flags.from) : undefined;
  if (ins.flags.from !== undefined && !from) throw new Error(`${where}: no earlier stage named ${ins.flags.from}`);
  const target = inStage(stage, dest);
  for (const source of parts) {
    const origin = from ? path.join(from.root, path.posix.resolve(from.workdir, source)) : path.join(context, source);
    if (!existsSync(origin)) throw new Error(`${where}: ${source} does not exist in ${from ? `stage ${from.name}` : 'the build context (after .dockerignore)'}`);
    if (statSync(origin).isDirectory()) cpSync(origin, target, { recursive: true });
    else {
      const into = dest.endsWith('/') || parts.length > 1 ? path.join(target, path.basename(source)) : target;
      mkdirSync(path.dirname(into), { recursive: true });
      cpSync(origin, into);
    }
  }
}

async function runStep(stage: Stage, text: string, options: BuildOptions, where: string): Promise<void> {
  const commands = text.split('&&').map((c) => c.trim());
  for (const command of commands) {
    if (!/^npm\s+[a-z]/.test(command) || /[;|`$<>]/.test(command)) {
      throw new Error(`${where}: the build test only runs npm commands; "${command}" is not one (extend dockerfile-steps.ts if the image needs it)`);
    }
  }
  const cwd = inStage(stage, stage.workdir);
  for (const command of commands) {
    options.log?.(`[${stage.name}] ${command}`);
    await exec('/bin/sh', ['-c', command], { cwd, env: { ...stage.env, ...options.runEnv }, timeoutMs: 8 * 60_000, where });
  }
}

export function exec(file: string, args: string[], o: { cwd: string; env: Record<string, string>; timeoutMs: number; where: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: o.cwd, env: o.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${o.where}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`${o.where}: ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${output.slice(-4000)}`));
    });
  });
}
