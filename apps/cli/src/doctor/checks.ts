import { type AppConfig, redactUrl } from '@datafactory/config';
import { RedisKey, type WorkerHeartbeat, WORKER_HEARTBEAT_TTL_MS } from '@datafactory/contracts';
import { pendingMigrations } from '@datafactory/persistence';
import { redisOptionsFromUrl } from '@datafactory/pipeline';
import { Redis } from 'ioredis';
import { execFile } from 'node:child_process';
import { access, constants, mkdir, rm, statfs, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

export interface CheckResult {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  fix?: string;
}

type Check = (config: AppConfig) => Promise<CheckResult>;

/** Every check of `datafactory doctor`, in order; none throws. */
export async function runChecks(config: AppConfig): Promise<CheckResult[]> {
  const checks: [string, Check][] = [
    ['node', checkNode],
    ['data dir', checkDataDir],
    ['disk space', checkDiskSpace],
    ['database', checkDatabaseReachable],
    ['sqlite wal', checkSqliteWal],
    ['redis', checkRedis],
    ['redis persistence', checkRedisPersistence],
    ['workers', checkWorkers],
    ['api', checkApi],
    ['chromium', checkChromium],
    ['llm', checkLlm],
  ];
  const results: CheckResult[] = [];
  for (const [name, check] of checks) {
    try {
      results.push(await check(config));
    } catch (e) {
      results.push({ name, status: 'fail', detail: (e as Error).message });
    }
  }
  return results;
}

export function nodeVersionOk(version: string): boolean {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  return major >= 24 || (major === 22 && minor >= 22);
}

async function checkNode(): Promise<CheckResult> {
  const ok = nodeVersionOk(process.version);
  return {
    name: 'node',
    status: ok ? 'ok' : 'fail',
    detail: `${process.version}${ok ? '' : ' is too old (need 22.22+ or 24)'}`,
    fix: 'install Node.js 24 (`source scripts/node24.sh` installs it from the npm registry)',
  };
}

async function checkDataDir(config: AppConfig): Promise<CheckResult> {
  const probe = path.join(config.dataDir, `.doctor-${process.pid}`);
  try {
    await mkdir(config.dataDir, { recursive: true });
    await writeFile(probe, 'ok');
    await rm(probe);
    return { name: 'data dir', status: 'ok', detail: `${config.dataDir} is writable` };
  } catch (e) {
    return {
      name: 'data dir',
      status: 'fail',
      detail: `${config.dataDir} is not writable: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      fix: 'set DATA_DIR to a folder this user can write, or fix its permissions',
    };
  }
}

async function checkDatabaseReachable(config: AppConfig): Promise<CheckResult> {
  const db = config.database;
  const where = db.driver === 'sqlite' ? db.path : redactUrl(db.url);
  try {
    const pending = await pendingMigrations(db);
    if (pending.length) {
      return {
        name: 'database',
        status: 'fail',
        detail: `${db.driver} ${where}: ${pending.length} migration(s) not applied`,
        fix: 'run `npx datafactory db migrate`',
      };
    }
    return { name: 'database', status: 'ok', detail: `${db.driver} ${where}, schema up to date` };
  } catch (e) {
    return {
      name: 'database',
      status: 'fail',
      detail: `${db.driver} ${where}: ${(e as Error).message}`,
      fix: db.driver === 'sqlite' ? 'check DATA_DIR / DATABASE_URL' : 'start PostgreSQL or fix DATABASE_URL',
    };
  }
}

async function withRedis<T>(config: AppConfig, fn: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({
    ...redisOptionsFromUrl(config.redis.url),
    lazyConnect: true,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}

async function checkRedis(config: AppConfig): Promise<CheckResult> {
  try {
    const version = await withRedis(config, async (r) => {
      const info = await r.info('server');
      return /redis_version:(\S+)/.exec(info)?.[1] ?? '?';
    });
    return {
      name: 'redis',
      status: 'ok',
      detail: `${redactUrl(config.redis.url)} (Redis ${version}), prefix "${config.redis.prefix}"`,
    };
  } catch (e) {
    if (!config.redis.explicit) {
      // What `npm start` also sees: no REDIS_URL and nothing at the default address means embedded mode.
      return {
        name: 'redis',
        status: 'warn',
        detail: `none at ${redactUrl(config.redis.url)} and REDIS_URL is not set: \`npm start\` runs embedded (one process, in-memory queues)`,
        fix: 'for workers in other processes or machines, start Redis (`redis-server --daemonize yes`) or set REDIS_URL',
      };
    }
    return {
      name: 'redis',
      status: 'fail',
      detail: `cannot reach ${redactUrl(config.redis.url)}: ${(e as Error).message}`,
      fix: 'start Redis (`redis-server --daemonize yes`) or unset REDIS_URL to run embedded',
    };
  }
}

async function checkWorkers(config: AppConfig): Promise<CheckResult> {
  try {
    const live = await withRedis(config, async (r) => {
      const keys = await r.keys(RedisKey.workerHeartbeatPattern(config.redis.prefix));
      const values = keys.length ? await r.mget(keys) : [];
      return values
        .flatMap((v) => (v ? [JSON.parse(v) as WorkerHeartbeat] : []))
        .filter((h) => Date.now() - Date.parse(h.lastSeenAt) <= WORKER_HEARTBEAT_TTL_MS);
    });
    return live.length
      ? { name: 'workers', status: 'ok', detail: `${live.length} live: ${live.map((w) => w.workerId).join(', ')}` }
      : {
          name: 'workers',
          status: 'warn',
          detail: 'no worker is running',
          fix: 'start one: `npm start` (API + worker) or `npm run start:worker`',
        };
  } catch (e) {
    return { name: 'workers', status: 'warn', detail: `unknown (${(e as Error).message})` };
  }
}

async function checkChromium(config: AppConfig): Promise<CheckResult> {
  try {
    await access(config.chromePath, constants.X_OK);
    const { stdout } = await promisify(execFile)(config.chromePath, ['--version'], { timeout: 10_000 });
    return { name: 'chromium', status: 'ok', detail: `${stdout.trim()} at ${config.chromePath}` };
  } catch (e) {
    return {
      name: 'chromium',
      status: 'warn',
      detail: `not usable at ${config.chromePath} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); pages that need JavaScript cannot be rendered`,
      fix: 'install it (`apt-get install -y chromium`) or set CHROME_PATH',
    };
  }
}

async function checkLlm(config: AppConfig): Promise<CheckResult> {
  const { apiKey, baseUrl, model } = config.llm;
  if (!apiKey && !baseUrl) {
    return {
      name: 'llm',
      status: 'warn',
      detail: 'no OPENAI_API_KEY and no OPENAI_BASE_URL: jobs that generate examples cannot start',
      fix: 'set OPENAI_API_KEY (OpenAI) or OPENAI_BASE_URL (Ollama, vLLM, LM Studio, OpenRouter...)',
    };
  }
  const endpoint = baseUrl ?? 'https://api.openai.com/v1';
  const detail = `model ${model} at ${redactUrl(endpoint)}, API key ${apiKey ? 'set' : 'not set'}`;
  if (!baseUrl) return { name: 'llm', status: 'ok', detail };
  try {
    const res = await fetch(`${endpoint.replace(/\/$/, '')}/models`, {
      headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
      signal: AbortSignal.timeout(5_000),
    });
    return res.ok
      ? { name: 'llm', status: 'ok', detail: `${detail}; /models answered` }
      : {
          name: 'llm',
          status: 'warn',
          detail: `${detail}; /models answered HTTP ${res.status}`,
          fix: 'check OPENAI_BASE_URL and OPENAI_API_KEY',
        };
  } catch (e) {
    return {
      name: 'llm',
      status: 'warn',
      detail: `${detail}; not reachable (${(e as Error).message})`,
      fix: 'start the server or fix OPENAI_BASE_URL',
    };
  }
}

const MB = 1024 * 1024;

/** Free space in DATA_DIR: below 100 MB jobs start failing; below 1 GB a big crawl or export may. */
export function diskSpaceStatus(freeBytes: number): 'ok' | 'warn' | 'fail' {
  return freeBytes < 100 * MB ? 'fail' : freeBytes < 1024 * MB ? 'warn' : 'ok';
}

async function checkDiskSpace(config: AppConfig): Promise<CheckResult> {
  const s = await statfs(config.dataDir);
  const free = s.bavail * s.bsize;
  const status = diskSpaceStatus(free);
  return {
    name: 'disk space',
    status,
    detail: `${(free / 1024 / MB).toFixed(1)} GB free in ${config.dataDir}`,
    fix: 'free space or move DATA_DIR: pages, models and exports live there',
  };
}

async function checkSqliteWal(config: AppConfig): Promise<CheckResult> {
  const db = config.database;
  if (db.driver !== 'sqlite') return { name: 'sqlite wal', status: 'ok', detail: 'not used (PostgreSQL)' };
  try {
    await access(db.path);
  } catch {
    return {
      name: 'sqlite wal',
      status: 'warn',
      detail: `${db.path} does not exist yet`,
      fix: 'run `npx datafactory db migrate`',
    };
  }
  // Read with Node's own SQLite, read-only: opening it through the ORM would switch it to WAL itself.
  const { DatabaseSync } = await import('node:sqlite');
  const conn = new DatabaseSync(db.path, { readOnly: true });
  try {
    const mode = String((conn.prepare('pragma journal_mode').get() as { journal_mode?: string }).journal_mode);
    return mode === 'wal'
      ? { name: 'sqlite wal', status: 'ok', detail: 'journal_mode=wal: a killed process cannot corrupt the database' }
      : {
          name: 'sqlite wal',
          status: 'warn',
          detail: `journal_mode=${mode}`,
          fix: 'start the API or a worker once (they switch the file to WAL)',
        };
  } finally {
    conn.close();
  }
}

async function checkRedisPersistence(config: AppConfig): Promise<CheckResult> {
  try {
    const [aof, save] = await withRedis(config, async (r) => {
      const a = (await r.config('GET', 'appendonly')) as string[];
      const s = (await r.config('GET', 'save')) as string[];
      return [a[1], s[1]];
    });
    if (aof === 'yes') return { name: 'redis persistence', status: 'ok', detail: 'append-only file on' };
    if (save)
      return { name: 'redis persistence', status: 'ok', detail: `snapshots (save "${save}"); appendonly is safer` };
    return {
      name: 'redis persistence',
      status: 'warn',
      detail: 'Redis keeps nothing on disk: queued work is lost if it restarts',
      fix: 'run Redis with --appendonly yes (docker-compose.yml does)',
    };
  } catch (e) {
    return { name: 'redis persistence', status: 'warn', detail: `unknown (${(e as Error).message})` };
  }
}

async function checkApi(config: AppConfig): Promise<CheckResult> {
  const base = config.apiUrl;
  try {
    const health = await fetch(`${base}/health`, { signal: AbortSignal.timeout(5_000) });
    const body = (await health.json()) as { status?: string; down?: string[] };
    let access = 'open (no API_TOKEN)';
    if (config.api.token) {
      const without = await fetch(`${base}/api/projects?pageSize=1`, { signal: AbortSignal.timeout(5_000) });
      const withToken = await fetch(`${base}/api/projects?pageSize=1`, {
        headers: { authorization: `Bearer ${config.api.token}` },
        signal: AbortSignal.timeout(5_000),
      });
      if (without.status !== 401 || withToken.status !== 200) {
        return {
          name: 'api',
          status: 'fail',
          detail: `API_TOKEN is set here but the API answered ${without.status} without it and ${withToken.status} with it`,
          fix: 'give the API and this shell the same API_TOKEN',
        };
      }
      access = 'API_TOKEN required and accepted';
    }
    return {
      name: 'api',
      status: health.ok ? 'ok' : 'warn',
      detail: `${base} answers; health ${body.status ?? health.status}${body.down?.length ? ` (down: ${body.down.join(', ')})` : ''}; ${access}`,
    };
  } catch (e) {
    return {
      name: 'api',
      status: 'warn',
      detail: `no API at ${base} (${(e as Error).message})`,
      fix: 'start it (`npm start`) or set API_URL',
    };
  }
}
