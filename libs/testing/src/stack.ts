import { existsSync } from 'node:fs';
import path from 'node:path';
import { RedisKey, type WorkerHeartbeat } from '@datafactory/contracts';
import {
  deleteRedisKeys,
  dropPostgresSchema,
  TEST_POSTGRES_URL,
  uniqueRedisPrefix,
  uniqueSchema,
} from './databases.js';
import { type AppProcess, builtApp, freePort, REPO_ROOT, runNode, startNode, tempDir } from './processes.js';
import { waitFor } from './wait.js';

/** The machine's shared Redis; a stack uses it under a key prefix of its own. */
export const SHARED_REDIS_URL = 'redis://127.0.0.1:6379';

export interface StackOptions {
  /** Workers started beside the API; the stack is ready once each has registered its heartbeat. Default 0. */
  workers?: number;
  /**
   * 'sqlite' (default): a file in the stack's data dir. 'postgres': a schema of
   * its own in the shared `test` database, dropped by stop().
   */
  database?: 'sqlite' | 'postgres';
  /** Variables for every process (migrate, API, workers), on top of the stack's own. */
  env?: Record<string, string>;
  /**
   * The Redis to use. Default: the shared one, under a unique REDIS_PREFIX whose
   * keys stop() deletes. A given URL (a PrivateRedis the test starts, stops and
   * restarts) is the test's own: stop() leaves that server alone.
   */
  redisUrl?: string;
  /** A folder served as the dashboard (DASHBOARD_DIR), or true for the built one (which must exist). */
  dashboard?: string | true;
  /** API processes, each on its own port, sharing the data dir, database and Redis prefix. Default 1. */
  apis?: number;
  /** How long to wait for the stack to be ready. Default 30 s. */
  timeoutMs?: number;
}

export interface JsonResponse {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface Stack {
  /** http://127.0.0.1:<port> of the (first) API. */
  base: string;
  /** The base of every API process, in the order of `apis`. */
  bases: string[];
  /** What every process was started with (PORT is the first API's). */
  env: Record<string, string>;
  /** The (first) API process. */
  api: AppProcess;
  apis: AppProcess[];
  /** Every worker started so far (by startStack or addWorker), killed ones included. */
  workers: AppProcess[];
  dataDir: string;
  /** The PostgreSQL schema, with database 'postgres'. */
  schema?: string;
  /** fetch() against the (first) API. */
  fetch(url: string, init?: RequestInit): Promise<Response>;
  /** A request with an optional JSON body (a string is sent as is); the answer parsed as JSON when there is one. */
  json(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<JsonResponse>;
  /** Runs the built CLI with the stack's environment. */
  cli(args: string[], env?: Record<string, string>): Promise<{ code: number | null; output: string }>;
  /** Starts one more worker (with extra variables if given) and resolves once it has registered. */
  addWorker(env?: Record<string, string>): Promise<AppProcess>;
  /** Stops every process and removes what the stack made (Redis keys, schema, data dir). Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts the API (and workers) as a test states them: a fresh DATA_DIR, free
 * ports, a unique Redis prefix, optionally a private PostgreSQL schema, then
 * `datafactory db migrate`, the processes, and a wait (polling /health, no
 * fixed sleep) until every API answers and every worker has registered. If
 * any step fails, what was started is stopped and removed before the error
 * (with the processes' output) is thrown.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const { workers: workerCount = 0, database = 'sqlite', apis: apiCount = 1, timeoutMs = 30_000 } = options;
  const cleanups: (() => Promise<unknown>)[] = [];
  const apis: AppProcess[] = [];
  const workers: AppProcess[] = [];
  let stopped: Promise<void> | undefined;

  const stop = () =>
    (stopped ??= (async () => {
      const errors: unknown[] = [];
      await Promise.all(
        [...apis, ...workers].map((p) =>
          p.stop().catch((e: unknown) => {
            errors.push(e);
          }),
        ),
      );
      for (const cleanup of cleanups.reverse()) {
        await cleanup().catch((e: unknown) => errors.push(e));
      }
      if (errors.length) throw new AggregateError(errors, 'stopping the test stack');
    })());

  try {
    const dataDir = await tempDir('df-stack-');
    cleanups.push(dataDir.remove);
    const redisUrl = options.redisUrl ?? SHARED_REDIS_URL;
    const prefix = options.env?.REDIS_PREFIX ?? uniqueRedisPrefix();
    if (!options.redisUrl) cleanups.push(() => deleteRedisKeys(redisUrl, prefix));
    let schema: string | undefined;
    if (database === 'postgres') {
      const name = uniqueSchema();
      schema = name;
      cleanups.push(() => dropPostgresSchema(TEST_POSTGRES_URL, name));
    }
    const ports: number[] = [];
    for (let i = 0; i < apiCount; i++) ports.push(await freePort());
    let dashboardDir: string | undefined;
    if (options.dashboard === true) {
      const built = path.join(REPO_ROOT, 'dist', 'dashboard', 'browser');
      if (!existsSync(path.join(built, 'index.html'))) {
        throw new Error(`${built}/index.html is missing: run \`npm run build\` before the e2e tests`);
      }
      dashboardDir = built;
    } else if (options.dashboard) dashboardDir = options.dashboard;

    const env: Record<string, string> = {
      DATA_DIR: dataDir.path,
      REDIS_URL: redisUrl,
      REDIS_PREFIX: prefix,
      PORT: String(ports[0]),
      LOG_LEVEL: 'warn',
      ...(schema ? { DATABASE_URL: `${TEST_POSTGRES_URL}?schema=${schema}` } : {}),
      ...(dashboardDir ? { DASHBOARD_DIR: dashboardDir } : {}),
      ...options.env,
    };
    const bases = ports.map((p) => `http://127.0.0.1:${p}`);
    const base = bases[0]!;

    const migrate = await runNode(builtApp('cli'), ['db', 'migrate'], env);
    if (migrate.code !== 0) throw new Error(`datafactory db migrate exited ${migrate.code}:\n${migrate.output}`);

    for (const port of ports) apis.push(startNode(builtApp('api'), [], { ...env, PORT: String(port) }));

    const registered = async (wanted: AppProcess[]): Promise<true | undefined> => {
      if (wanted.length === 0) return true;
      const pids = new Set((await heartbeats(redisUrl, prefix)).map((h) => h.pid));
      return wanted.every((w) => pids.has(w.child.pid!)) ? true : undefined;
    };
    const output = () =>
      [
        ...apis.map((a, i) => `api ${i}: ${a.output().slice(-800)}`),
        ...workers.map((w, i) => `worker ${i}: ${w.output().slice(-800)}`),
      ].join('\n');
    const alive = (p: AppProcess, what: string) => {
      if (p.child.exitCode !== null || p.child.signalCode !== null) {
        throw new Error(`${what} exited (${p.child.exitCode ?? p.child.signalCode}) before it was ready`);
      }
    };
    const waitUntil = (probe: () => Promise<true | undefined>, what: string) =>
      waitFor(probe, { timeoutMs, what }).catch((e: Error) => {
        throw new Error(`${e.message}\n${output()}`);
      });

    const addWorker = async (extra: Record<string, string> = {}): Promise<AppProcess> => {
      const worker = startNode(builtApp('worker'), [], { ...env, ...extra });
      workers.push(worker);
      await waitUntil(async () => {
        alive(worker, 'a worker');
        return registered([worker]);
      }, `worker pid ${worker.child.pid} registered under ${prefix}`);
      return worker;
    };

    for (let i = 0; i < workerCount; i++) workers.push(startNode(builtApp('worker'), [], env));

    await waitUntil(async () => {
      for (const [i, a] of apis.entries()) {
        alive(a, `api ${i}`);
        // Any answer will do: a stack may be started with Redis down (a 503) or behind API_TOKEN.
        await fetch(`${bases[i]}/health`);
      }
      return true;
    }, `${apiCount} API(s) answering /health`);
    if (workerCount > 0) {
      const started = [...workers];
      await waitUntil(async () => {
        for (const w of started) alive(w, 'a worker');
        if (!(await registered(started))) return undefined;
        // ...and the API counts them too.
        const health = (await (await fetch(`${base}/health`)).json()) as { workers?: { count?: number } };
        return (health.workers?.count ?? 0) >= workerCount ? true : undefined;
      }, `${workerCount} worker(s) registered and counted by /health`);
    }

    const request = (url: string, init?: RequestInit) => fetch(`${base}${url}`, init);
    return {
      base,
      bases,
      env,
      api: apis[0]!,
      apis,
      workers,
      dataDir: dataDir.path,
      schema,
      fetch: request,
      async json(method, url, body, headers = {}) {
        const res = await request(url, {
          method,
          headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
          body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
        });
        const text = await res.text();
        return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
      },
      cli: (args, extra = {}) => runNode(builtApp('cli'), args, { ...env, ...extra }),
      addWorker,
      stop,
    };
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }
}

/** The heartbeats workers left under `prefix` in the Redis at `url`. */
async function heartbeats(url: string, prefix: string): Promise<WorkerHeartbeat[]> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    await redis.connect();
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', RedisKey.workerHeartbeatPattern(prefix), 'COUNT', 200);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    if (keys.length === 0) return [];
    return (await redis.mget(keys)).flatMap((v) => (v ? [JSON.parse(v) as WorkerHeartbeat] : []));
  } finally {
    redis.disconnect();
  }
}
