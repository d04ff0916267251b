import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** The repository (or installed package) root: where package.json and nest-cli.json are. */
export const PACKAGE_ROOT = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));

/** The product's version (root package.json). */
export const VERSION: string = (
  JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;

function findPackageRoot(from: string): string {
  let dir = from;
  while (!existsSync(path.join(dir, 'package.json')) || !existsSync(path.join(dir, 'nest-cli.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}

export type DatabaseConfig =
  { driver: 'sqlite'; path: string; busyTimeoutMs: number } | { driver: 'postgresql'; url: string; schema?: string };

export interface AppConfig {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  dataDir: string;
  database: DatabaseConfig;
  /**
   * `explicit`: REDIS_URL was set. Without it `npm start` probes `url` (the
   * default address) and, when nothing answers, runs embedded (no Redis).
   */
  redis: { url: string; prefix: string; explicit: boolean };
  log: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' };
  /**
   * The operator's LLM endpoints. The key goes only to the default endpoint
   * (`baseUrl`, or api.openai.com when unset); a job may pick `baseUrl` or one
   * of `allowedBaseUrls` (called without the key), never name another.
   */
  llm: { apiKey?: string; baseUrl?: string; model: string; allowedBaseUrls: string[] };
  /**
   * What the crawler (and the estimate, in the API) may reach. Private,
   * loopback, link-local and metadata addresses are refused unless
   * `allowPrivateNetworks`; `trustedHosts` (`host:port`) are reachable anyway.
   * A job may narrow this, never widen it.
   */
  crawl: { allowPrivateNetworks: boolean; trustedHosts: string[] };
  chromePath: string;
  /** Where hub models (the toxicity check's) are downloaded from: a Hugging Face mirror, or the hub when unset. */
  models: { hubUrl?: string };
  /**
   * Publishing exports to the Hugging Face Hub: the write token (HF_TOKEN; a
   * token saved in Settings takes precedence) and the Hub it goes to
   * (HF_ENDPOINT, the same as for model pulls; https://huggingface.co when
   * unset). A request never names the endpoint.
   */
  hub: { token?: string; endpoint?: string };
  worker: { concurrency: number; shutdownTimeoutMs: number };
  dashboardDir: string;
  /** Where the CLI's `jobs` commands find a running API. */
  apiUrl: string;
  /** Access control of the HTTP API. */
  api: { token?: string; corsOrigins: string[]; rateLimitPerMinute: number };
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly problem: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const int = (min: number, max: number, def: number) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return def;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `must be an integer from ${min} to ${max} (got "${v}")` });
        return z.NEVER;
      }
      return n;
    });

const url = (protocols: string[], def?: string) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v, ctx) => {
      const value = v === undefined || v === '' ? def : v;
      if (value === undefined) return undefined;
      let parsed: URL;
      try {
        parsed = new URL(value);
      } catch {
        ctx.addIssue({ code: 'custom', message: `must be a URL (got "${redactUrl(value)}")` });
        return z.NEVER;
      }
      if (!protocols.includes(parsed.protocol)) {
        ctx.addIssue({
          code: 'custom',
          message: `must start with ${protocols.map((p) => `${p}//`).join(' or ')} (got "${redactUrl(value)}")`,
        });
        return z.NEVER;
      }
      return value;
    });

const boolean = (def: boolean) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return def;
      if (/^(true|1|yes)$/i.test(v)) return true;
      if (/^(false|0|no)$/i.test(v)) return false;
      ctx.addIssue({ code: 'custom', message: `must be true or false (got "${v}")` });
      return z.NEVER;
    });

/** The items of a comma-separated variable, trimmed, empty ones dropped. */
const commaItems = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** Comma-separated http(s) base URLs, without trailing slashes. */
const urlList = z
  .string()
  .trim()
  .optional()
  .transform((v, ctx) => {
    const items = commaItems(v);
    const out: string[] = [];
    for (const item of items) {
      let parsed: URL | undefined;
      try {
        parsed = new URL(item);
      } catch {
        parsed = undefined;
      }
      if (!parsed || !['http:', 'https:'].includes(parsed.protocol)) {
        ctx.addIssue({
          code: 'custom',
          message: `must be http:// or https:// URLs, comma-separated (got "${redactUrl(item)}")`,
        });
        return z.NEVER;
      }
      out.push(normalizeBaseUrl(item));
    }
    return out;
  });

/** Comma-separated `host:port` pairs (IPv6 hosts in brackets). */
const hostPortList = z
  .string()
  .trim()
  .optional()
  .transform((v, ctx) => {
    const items = commaItems(v).map((s) => s.toLowerCase());
    for (const item of items) {
      const m = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+):(\d{1,5})$/.exec(item);
      if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) {
        ctx.addIssue({ code: 'custom', message: `must be host:port pairs, comma-separated (got "${item}")` });
        return z.NEVER;
      }
    }
    return items;
  });

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  PORT: int(1, 65535, 8000),
  DATA_DIR: z.string().trim().min(1).default('./data'),
  DATABASE_URL: optionalString,
  DB_BUSY_TIMEOUT_MS: int(0, 600_000, 10_000),
  REDIS_URL: url(['redis:', 'rediss:']),
  // Test-only: where Redis is looked for when REDIS_URL is unset (the e2e test points it at a closed port).
  REDIS_DEFAULT_URL: url(['redis:', 'rediss:'], 'redis://127.0.0.1:6379'),
  REDIS_PREFIX: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_.-]+$/, 'must be letters, digits, "_", "." or "-"')
    .default('df'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: url(['http:', 'https:']),
  LLM_ALLOWED_BASE_URLS: urlList,
  CRAWL_ALLOW_PRIVATE_NETWORKS: boolean(false),
  CRAWL_TRUSTED_HOSTS: hostPortList,
  LLM_MODEL: z.string().trim().min(1).default('gpt-4o-mini'),
  CHROME_PATH: z.string().trim().min(1).default('/usr/bin/chromium'),
  HF_ENDPOINT: url(['http:', 'https:']),
  HF_TOKEN: optionalString,
  WORKER_CONCURRENCY: int(1, 256, 4),
  SHUTDOWN_TIMEOUT_MS: int(0, 600_000, 30_000),
  DASHBOARD_DIR: optionalString,
  API_URL: url(['http:', 'https:']),
  API_TOKEN: optionalString.refine((v) => v === undefined || v.length >= 16, 'must be at least 16 characters'),
  CORS_ORIGIN: optionalString.refine(
    (v) => v === undefined || v.split(',').every((o) => /^https?:\/\/[^/\s]+$/.test(o.trim())),
    'must be origins like https://host:port, comma-separated',
  ),
  RATE_LIMIT_PER_MINUTE: int(1, 1_000_000, 600),
});

/**
 * Reads and validates the environment once. Throws a ConfigError whose message
 * is one line naming the variable and what is wrong with it.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0] ?? 'environment');
    const message =
      issue.code === 'invalid_value'
        ? `must be one of ${issue.values.join(', ')} (got "${String(env[variable])}")`
        : issue.message;
    throw new ConfigError(variable, message);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.DATA_DIR);
  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    dataDir,
    database: parseDatabaseUrl(e.DATABASE_URL, dataDir, e.DB_BUSY_TIMEOUT_MS),
    redis: {
      url: e.REDIS_URL ?? e.REDIS_DEFAULT_URL!,
      prefix: e.REDIS_PREFIX,
      explicit: e.REDIS_URL !== undefined,
    },
    log: { level: e.LOG_LEVEL },
    llm: {
      apiKey: e.OPENAI_API_KEY,
      baseUrl: e.OPENAI_BASE_URL,
      model: e.LLM_MODEL,
      allowedBaseUrls: e.LLM_ALLOWED_BASE_URLS,
    },
    crawl: { allowPrivateNetworks: e.CRAWL_ALLOW_PRIVATE_NETWORKS, trustedHosts: e.CRAWL_TRUSTED_HOSTS },
    chromePath: e.CHROME_PATH,
    models: { hubUrl: e.HF_ENDPOINT },
    hub: { token: e.HF_TOKEN, endpoint: e.HF_ENDPOINT },
    worker: { concurrency: e.WORKER_CONCURRENCY, shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS },
    dashboardDir: e.DASHBOARD_DIR
      ? path.resolve(e.DASHBOARD_DIR)
      : path.join(PACKAGE_ROOT, 'dist', 'dashboard', 'browser'),
    apiUrl: (e.API_URL ?? `http://127.0.0.1:${e.PORT}`).replace(/\/+$/, ''),
    api: {
      token: e.API_TOKEN,
      corsOrigins: e.CORS_ORIGIN ? e.CORS_ORIGIN.split(',').map((o) => o.trim()) : [],
      rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    },
  };
}

/**
 * DATABASE_URL: unset → SQLite file DATA_DIR/datafactory.db; `sqlite:PATH` or
 * `file:PATH` → that SQLite file; `postgres://` or `postgresql://` →
 * PostgreSQL, where an optional `?schema=NAME` selects the schema.
 */
export function parseDatabaseUrl(value: string | undefined, dataDir: string, busyTimeoutMs: number): DatabaseConfig {
  if (value === undefined) return { driver: 'sqlite', path: path.join(dataDir, 'datafactory.db'), busyTimeoutMs };
  const sqlite = /^(?:sqlite|file):(?:\/\/)?(.+)$/.exec(value);
  if (sqlite) {
    const file = sqlite[1]!;
    return { driver: 'sqlite', path: file === ':memory:' ? file : path.resolve(file), busyTimeoutMs };
  }
  if (/^postgres(?:ql)?:\/\//.test(value)) {
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      throw new ConfigError('DATABASE_URL', `is not a valid PostgreSQL URL (got "${redactUrl(value)}")`);
    }
    const schema = parsed.searchParams.get('schema') ?? undefined;
    if (schema !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(schema)) {
      throw new ConfigError('DATABASE_URL', `schema must be a plain SQL identifier (got "${schema}")`);
    }
    parsed.searchParams.delete('schema');
    return { driver: 'postgresql', url: parsed.toString(), schema };
  }
  throw new ConfigError(
    'DATABASE_URL',
    `must be postgres://..., postgresql://..., sqlite:PATH or file:PATH (got "${redactUrl(value)}")`,
  );
}

/** A base URL compared as the operator wrote it, without trailing slashes. */
export function normalizeBaseUrl(value: string): string {
  return value.trim().replace(/\/+$/, '');
}

/** Hides the password of a URL so it can be shown in errors and logs. */
export function redactUrl(value: string): string {
  try {
    const u = new URL(value);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return value.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@');
  }
}

/** For an app's main(): the config, or one line on stderr and exit code 78 (EX_CONFIG). */
export function loadConfigOrExit(app: string, env: NodeJS.ProcessEnv = process.env): AppConfig {
  try {
    return loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`${app}: ${e.message}`);
      process.exit(78);
    }
    throw e;
  }
}

/**
 * For an app's main(): DATA_DIR exists (created if missing) and is writable,
 * or one line on stderr and exit code 73 (EX_CANTCREAT) — a clear stop, not
 * a crash loop of stack traces.
 */
export function ensureDataDirOrExit(app: string, config: AppConfig): void {
  const probe = path.join(config.dataDir, `.write-check-${process.pid}`);
  try {
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(probe, 'ok');
    rmSync(probe, { force: true });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOSPC' ? 'the disk is full' : `${err.code ?? 'error'}: ${err.message}`;
    console.error(`${app}: DATA_DIR ${config.dataDir} is not writable (${why}); set DATA_DIR to a writable folder`);
    process.exit(73);
  }
}
