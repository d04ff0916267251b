/**
 * Readers for the deployment files (docker-compose.yml, docker/Dockerfile, .dockerignore,
 * .env.example, libs/config), shared by the deployment tests. No Docker engine runs on these
 * machines, so the tests model what Compose and BuildKit would do from the files themselves.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { parse as parseYaml } from 'yaml';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');

// ---------------------------------------------------------------------------------------------
// Compose

export type Env = Record<string, string | undefined>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a Compose document is free-form YAML
export type ComposeDoc = Record<string, any>;

/** docker-compose.yml as Compose reads it (YAML merge keys `<<` included). */
export function readCompose(file = 'docker-compose.yml'): ComposeDoc {
  return parseYaml(read(file), { merge: true }) as ComposeDoc;
}

const VARIABLE = /\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/**
 * Compose's variable interpolation: `$$` is a literal `$`; `${V}`, `$V`, `${V:-default}`,
 * `${V-default}`, `${V:?error}`, `${V?error}`, `${V:+alt}` and `${V+alt}` as in the
 * Compose specification (interpolation section).
 */
export function interpolate<T>(value: T, env: Env): T {
  if (typeof value === 'string') {
    return value.replace(VARIABLE, (whole, braced?: string, op?: string, arg = '', bare?: string) => {
      if (whole === '$$') return '$';
      const name = (braced ?? bare)!;
      const v = env[name];
      switch (op) {
        case undefined:
          return v ?? '';
        case ':-':
          return v ? v : arg;
        case '-':
          return v ?? arg;
        case ':?':
          if (!v) throw new Error(`${name}: ${arg}`);
          return v;
        case '?':
          if (v === undefined) throw new Error(`${name}: ${arg}`);
          return v;
        case ':+':
          return v ? arg : '';
        case '+':
          return v === undefined ? '' : arg;
        default:
          throw new Error(`unknown interpolation ${whole}`);
      }
    }) as T;
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, env)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env)])) as T;
  }
  return value;
}

/** The variables a document interpolates (not `$$NAME`, which the container's shell expands). */
export function interpolatedVariables(value: unknown, into = new Set<string>()): Set<string> {
  if (typeof value === 'string') {
    for (const m of value.matchAll(VARIABLE)) if (m[0] !== '$$') into.add((m[1] ?? m[4])!);
  } else if (Array.isArray(value)) {
    for (const v of value) interpolatedVariables(v, into);
  } else if (value && typeof value === 'object') {
    for (const v of Object.values(value)) interpolatedVariables(v, into);
  }
  return into;
}

/** Compose's `environment` (map or KEY=VALUE list) as a map. */
export function environmentOf(service: ComposeDoc): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((line: string) => {
        const i = line.indexOf('=');
        return i < 0 ? [line, ''] : [line.slice(0, i), line.slice(i + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

/** A Compose duration (`1m30s`, `35s`, `500ms`) in milliseconds. */
export function durationMs(value: string): number {
  const units: Record<string, number> = { us: 0.001, ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(us|ms|s|m|h)/g)];
  if (!parts.length || parts.map((p) => p[0]).join('') !== value) throw new Error(`not a duration: ${value}`);
  return parts.reduce((sum, p) => sum + Number(p[1]) * units[p[2]!]!, 0);
}

// ---------------------------------------------------------------------------------------------
// .env files

/** The active `KEY=VALUE` lines of a dotenv file. */
export function parseDotenv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) env[m[1]!] = m[2]!.trim().replace(/^(['"])(.*)\1$/, '$2');
  }
  return env;
}

/** Every variable a dotenv file documents: active lines and commented `# KEY=value` examples. */
export function documentedVariables(text: string): Map<string, string[]> {
  const vars = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^\s*#?\s*([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) vars.set(m[1]!, [...(vars.get(m[1]!) ?? []), m[2]!.trim()]);
  }
  return vars;
}

/**
 * The environment variables libs/config reads: the keys of its zod `EnvSchema` and any
 * `env.NAME`, `env['NAME']` or `process.env.NAME` in libs/config/src (specs aside).
 */
/** Node's and glibc's own variables, which libs/config's memory bounds read only to respect what the operator set. */
const RUNTIME_VARIABLES = new Set(['NODE_OPTIONS', 'MALLOC_ARENA_MAX']);

export function configVariables(): Set<string> {
  const dir = path.join(ROOT, 'libs', 'config', 'src');
  const vars = new Set<string>();
  for (const file of ts.sys.readDirectory(dir, ['.ts'])) {
    if (file.endsWith('.spec.ts')) continue;
    const text = readFileSync(file, 'utf8');
    const schema = /const EnvSchema = z\.object\(\{([\s\S]*?)\n\}\);/.exec(text);
    if (schema) for (const m of schema[1]!.matchAll(/^ {2}([A-Z][A-Z0-9_]*):/gm)) vars.add(m[1]!);
    for (const m of text.matchAll(/\benv(?:\.([A-Z][A-Z0-9_]*)|\[['"]([A-Z][A-Z0-9_]*)['"]\])/g))
      if (!RUNTIME_VARIABLES.has((m[1] ?? m[2])!)) vars.add((m[1] ?? m[2])!);
  }
  return vars;
}

// ---------------------------------------------------------------------------------------------
// Dockerfile

export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  name: string;
  /** The FROM image with the global ARG defaults substituted (a stage name or an image). */
  base: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  args: Record<string, string>;
  stages: Stage[];
}

export function parseDockerfile(text: string): Dockerfile {
  const lines: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    if (/^\s*#/.test(raw)) continue; // comments (also between continued lines)
    if (/\\\s*$/.test(raw)) {
      current += raw.replace(/\\\s*$/, ' ');
      continue;
    }
    current += raw;
    if (current.trim()) lines.push(current.trim());
    current = '';
  }
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, keyword, rest] = /^(\S+)\s*(.*)$/.exec(line)!;
    const kw = keyword!.toUpperCase();
    if (kw === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest!)!;
      const base = m[1]!.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, n: string) => args[n] ?? '');
      stages.push({ name: m[2] ?? String(stages.length), base, instructions: [] });
    } else if (kw === 'ARG' && stages.length === 0) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/.exec(rest!)!;
      args[m[1]!] = (m[2] ?? '').replace(/^(['"])(.*)\1$/, '$2');
    } else if (stages.length) {
      stages.at(-1)!.instructions.push({ keyword: kw, args: rest! });
    }
  }
  return { args, stages };
}

/** A stage and the stages it is built FROM, oldest first. */
export function stageChain(file: Dockerfile, name: string): Stage[] {
  const stage = file.stages.find((s) => s.name === name);
  if (!stage) throw new Error(`no stage ${name}`);
  const parent = file.stages.find((s) => s.name === stage.base);
  return parent ? [...stageChain(file, parent.name), stage] : [stage];
}

/** The base image a stage ends up on (following FROM <stage>). */
export function baseImage(file: Dockerfile, name: string): string {
  return stageChain(file, name)[0]!.base;
}

export interface Copy {
  from?: string;
  sources: string[];
  /** Absolute destination (WORKDIR applied). */
  dest: string;
  destIsDir: boolean;
}

/** The COPY/ADD instructions of a stage chain, with WORKDIR applied. */
export function copies(file: Dockerfile, name: string): Copy[] {
  const result: Copy[] = [];
  let workdir = '/';
  for (const stage of stageChain(file, name)) {
    for (const { keyword, args } of stage.instructions) {
      if (keyword === 'WORKDIR') workdir = path.posix.resolve(workdir, args.trim());
      if (keyword !== 'COPY' && keyword !== 'ADD') continue;
      const words = args.trim().startsWith('[') ? [] : args.trim().split(/\s+/);
      const flags = words.filter((w) => w.startsWith('--'));
      const paths = args.trim().startsWith('[')
        ? (JSON.parse(args) as string[])
        : words.filter((w) => !w.startsWith('--'));
      const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
      const rawDest = paths.at(-1)!;
      result.push({
        from,
        sources: paths.slice(0, -1),
        dest: path.posix.resolve(workdir, rawDest),
        destIsDir: rawDest.endsWith('/') || paths.length > 2,
      });
    }
  }
  return result;
}

/** The values of one instruction along a stage chain (USER, CMD, STOPSIGNAL, ENV, WORKDIR...). */
export function instructionArgs(file: Dockerfile, name: string, keyword: string): string[] {
  return stageChain(file, name).flatMap((s) => s.instructions.filter((i) => i.keyword === keyword).map((i) => i.args));
}

/** ENV of a stage chain as a map (`ENV A=1 B=2` form). */
export function envOf(file: Dockerfile, name: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const args of instructionArgs(file, name, 'ENV')) {
    for (const m of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S*)/g))
      env[m[1]!] = m[2]!.replace(/^"(.*)"$/, '$1');
  }
  return env;
}

export function workdirOf(file: Dockerfile, name: string): string {
  return instructionArgs(file, name, 'WORKDIR').reduce((dir, w) => path.posix.resolve(dir, w.trim()), '/');
}

export interface Provenance {
  /** `context` (the build context, i.e. the repository) or the stage the file comes from. */
  origin: string;
  /** Path in the build context (origin `context`) or absolute path in that stage. */
  source: string;
}

/** Where a file of an image comes from: the last COPY whose destination covers it. */
export function provenance(file: Dockerfile, stage: string, absolutePath: string): Provenance | undefined {
  for (const c of copies(file, stage).reverse()) {
    for (const source of c.sources) {
      const isDir = c.from ? !path.posix.extname(source) : isDirectory(source);
      const target = !isDir && c.destIsDir ? path.posix.join(c.dest, path.posix.basename(source)) : c.dest;
      if (absolutePath === target || absolutePath.startsWith(`${target}/`)) {
        const rest = absolutePath.slice(target.length);
        return { origin: c.from ?? 'context', source: c.from ? path.posix.join(source, rest) : `${source}${rest}` };
      }
    }
  }
  return undefined;
}

function isDirectory(contextPath: string): boolean {
  const p = path.join(ROOT, contextPath);
  return existsSync(p) && statSync(p).isDirectory();
}

// ---------------------------------------------------------------------------------------------
// .dockerignore

/** Whether .dockerignore keeps a path (relative to the context) out of the build context. */
export function dockerIgnored(relativePath: string, ignoreText = read('.dockerignore')): boolean {
  const rules = ignoreText
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => ({ negate: l.startsWith('!'), pattern: path.posix.normalize(l.replace(/^!/, '').replace(/^\//, '')) }));
  const parts = path.posix.normalize(relativePath).split('/');
  let ignored = false;
  for (const rule of rules) {
    // Docker matches a pattern against the path and, through it, everything below a match.
    const hit = parts.some((_, i) => path.matchesGlob(parts.slice(0, i + 1).join('/'), rule.pattern));
    if (hit) ignored = !rule.negate;
  }
  return ignored;
}

// ---------------------------------------------------------------------------------------------
// Build outputs

/**
 * The files `tsc -p <tsconfig>` emits (relative to the repository), computed by the
 * TypeScript compiler API from the config, without building.
 */
export function tscOutputs(tsconfig: string, keep: (source: string) => boolean = () => true): Set<string> {
  const parsed = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, tsconfig), undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  });
  if (!parsed) throw new Error(`cannot read ${tsconfig}`);
  const outputs = new Set<string>();
  for (const source of parsed.fileNames) {
    if (!keep(path.relative(ROOT, source))) continue;
    for (const out of ts.getOutputFileNames(parsed, source, false)) outputs.add(path.relative(ROOT, out));
  }
  return outputs;
}

/** A tsconfig read with comments allowed (Angular's tsconfig files have them). */
export function readTsconfig(file: string): { compilerOptions?: { paths?: Record<string, string[]> } } {
  const { config, error } = ts.parseConfigFileTextToJson(file, read(file));
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
  return config;
}
