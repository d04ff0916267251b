import { randomUUID } from 'node:crypto';
import { abortableDelay } from '@datafactory/contracts';
import {
  HostPacer,
  type HostSchedule,
  type RobotsStore,
  type SharedCrawlState,
  type StoredRobots,
  type StoredTdmRep,
  type TdmRepStore,
} from '@datafactory/crawler';
import { RedisClient } from './redis.js';

/** What a job's crawl shares between its items: per-host pacing, robots.txt and tdmrep.json. */
export interface CrawlPacing {
  /** 1000 / requests_per_second. */
  intervalMs: number;
  /** How long a request may hold its host (a killed worker's hold ends after this). */
  leaseMs: number;
}

/**
 * The per-host state of each job's crawl, the same for every item of the job
 * wherever it runs: Redis across workers, memory in one process.
 */
export abstract class CrawlHosts {
  abstract forJob(jobId: string, pacing: CrawlPacing): SharedCrawlState;
  /** The crawl of the job is over: drop what is kept for it. */
  abstract forget(jobId: string): Promise<void>;
}

/** One process (`datafactory run`, tests): a HostPacer and a map per job. */
export class LocalCrawlHosts extends CrawlHosts {
  private readonly jobs = new Map<string, SharedCrawlState>();

  forJob(jobId: string, pacing: CrawlPacing): SharedCrawlState {
    let state = this.jobs.get(jobId);
    if (!state) {
      state = {
        schedule: new HostPacer(pacing.intervalMs),
        robots: oncePerOrigin<StoredRobots>(),
        tdmRep: oncePerOrigin<StoredTdmRep>(),
      };
      this.jobs.set(jobId, state);
    }
    return state;
  }

  async forget(jobId: string): Promise<void> {
    this.jobs.delete(jobId);
  }
}

/** A store that fetches each origin's file once (a failed fetch is tried again). */
function oncePerOrigin<T>(): { load(origin: string, fetch: () => Promise<T>): Promise<T> } {
  const kept = new Map<string, Promise<T>>();
  return {
    load: (origin, fetch) => {
      let p = kept.get(origin);
      if (!p) {
        kept.set(origin, (p = fetch()));
        p.catch(() => kept.delete(origin));
      }
      return p;
    },
  };
}

const POLL_MS = 20;
const KEY_TTL_MS = 24 * 3_600_000;

// Times come from Redis (TIME), so every worker reads one clock.
const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

// KEYS[1] = the host's hash; ARGV = token, default interval, lease. Returns 0 when granted, else ms to wait
// (-1: a request is awaiting its headers). `last` is when the previous request's headers arrived.
const ACQUIRE = `${NOW}
local h = redis.call('HMGET', KEYS[1], 'last', 'interval', 'paused', 'busyUntil')
local interval = math.max(tonumber(ARGV[2]), tonumber(h[2]) or 0)
if (tonumber(h[4]) or 0) > now then return -1 end
local slot = math.max((tonumber(h[1]) or -1e15) + interval, tonumber(h[3]) or 0)
if slot > now then return math.ceil(slot - now) end
redis.call('HSET', KEYS[1], 'busy', ARGV[1], 'busyUntil', now + tonumber(ARGV[3]), 'last', now)
redis.call('PEXPIRE', KEYS[1], ${KEY_TTL_MS})
return 0`;

// KEYS[1] = the host's hash; ARGV = token. Only the holder releases (a lease taken over after expiry is not).
const RELEASE = `${NOW}
if redis.call('HGET', KEYS[1], 'busy') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'busy', '', 'busyUntil', 0, 'last', now)
return 1`;

// KEYS[1] = the host's hash; ARGV = field, value (ms; added to now for 'paused'). Raises, never lowers.
const RAISE = `${NOW}
local v = tonumber(ARGV[2])
if ARGV[1] == 'paused' then v = now + v end
if v > (tonumber(redis.call('HGET', KEYS[1], ARGV[1])) or 0) then redis.call('HSET', KEYS[1], ARGV[1], v) end
redis.call('PEXPIRE', KEYS[1], ${KEY_TTL_MS})
return 1`;

const UNLOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

// KEYS = the job's file hash, the origin's lock; ARGV = origin, token, lease. The stored outcome, else '' when
// the lock is taken for the caller, else nil (another holds it). One script: reading "not stored" and taking the
// lock are one step, so a holder cannot store and release in between (which let a second worker fetch again).
const LOAD_OR_LOCK = `local v = redis.call('HGET', KEYS[1], ARGV[1])
if v then return v end
if redis.call('SET', KEYS[2], ARGV[2], 'PX', tonumber(ARGV[3]), 'NX') then return '' end
return false`;

// KEYS = the job's file hash, the origin's lock; ARGV = origin, outcome, token. Stores (the first outcome stays),
// releases the caller's lock, returns what is stored.
const STORE_AND_UNLOCK = `redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ${KEY_TTL_MS})
if redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end
return redis.call('HGET', KEYS[1], ARGV[1])`;

/**
 * Every worker's items of a job keep to one schedule per host, kept in Redis:
 * a hash per (job, host) with the time the last request's headers arrived,
 * the interval (raised by Crawl-delay), a Retry-After pause and the holder of
 * the host (at most one request awaiting its headers, with a lease so a
 * killed worker's hold ends). Taking and releasing a host are Lua scripts,
 * atomic in Redis. robots.txt and tdmrep.json outcomes are kept in a hash
 * per job and file, fetched by one worker under a lock, and cached in each
 * process.
 */
export class RedisCrawlHosts extends CrawlHosts {
  /** Per job, `robots <origin>` and `tdmrep <origin>` outcomes this process has loaded. */
  private readonly originCache = new Map<string, Map<string, Promise<unknown>>>();

  constructor(private readonly client: RedisClient) {
    super();
  }

  private key(jobId: string, rest: string): string {
    return `${this.client.prefix}:crawl:${jobId}:${rest}`;
  }

  forJob(jobId: string, pacing: CrawlPacing): SharedCrawlState {
    const redis = this.client.redis;
    const hostKey = (host: string) => this.key(jobId, `host:${host}`);
    const raise = (host: string, field: string, value: number) =>
      void redis.eval(RAISE, 1, hostKey(host), field, Math.round(value)).catch(() => undefined);
    const schedule: HostSchedule = {
      acquire: async (host, signal) => {
        const token = randomUUID();
        for (;;) {
          signal?.throwIfAborted();
          const wait = Number(await redis.eval(ACQUIRE, 1, hostKey(host), token, pacing.intervalMs, pacing.leaseMs));
          if (wait === 0) break;
          await abortableDelay(wait < 0 ? POLL_MS : wait, signal);
        }
        let released = false;
        return () => {
          if (released) return;
          released = true;
          void redis.eval(RELEASE, 1, hostKey(host), token).catch(() => undefined);
        };
      },
      slowDown: (host, intervalMs) => raise(host, 'interval', intervalMs),
      pauseFor: (host, ms) => raise(host, 'paused', ms),
    };
    let cache = this.originCache.get(jobId);
    if (!cache) {
      // Only the worker that ends a crawl forgets it; the others keep the last few jobs' files.
      if (this.originCache.size >= 32) this.originCache.delete(this.originCache.keys().next().value!);
      this.originCache.set(jobId, (cache = new Map()));
    }
    const local = cache;
    // One fetch per origin and job: the process shares one load, and across workers the holder of a lock
    // (a lease, so a killed holder's ends) fetches while the others wait for what it stores.
    const sharedStore = <T>(
      file: 'robots' | 'tdmrep',
    ): { load(origin: string, fetch: () => Promise<T>): Promise<T> } => {
      const hashKey = this.key(jobId, file);
      const lockKey = (origin: string) => this.key(jobId, `${file}-lock:${origin}`);
      const loadShared = async (origin: string, fetch: () => Promise<T>): Promise<T> => {
        const token = randomUUID();
        const lock = lockKey(origin);
        for (;;) {
          const raw = (await redis.eval(LOAD_OR_LOCK, 2, hashKey, lock, origin, token, pacing.leaseMs)) as
            string | null;
          if (raw) return JSON.parse(raw) as T;
          if (raw === '') {
            let stored = false;
            try {
              const value = await fetch();
              const kept = (await redis.eval(
                STORE_AND_UNLOCK,
                2,
                hashKey,
                lock,
                origin,
                JSON.stringify(value),
                token,
              )) as string | null;
              stored = true;
              // What every worker uses: the first outcome stored (another's, when this lock's lease ran out).
              return kept ? (JSON.parse(kept) as T) : value;
            } finally {
              if (!stored) await redis.eval(UNLOCK, 1, lock, token).catch(() => 0);
            }
          }
          await abortableDelay(POLL_MS);
        }
      };
      return {
        load: (origin, fetch) => {
          const key = `${file} ${origin}`;
          let p = local.get(key) as Promise<T> | undefined;
          if (!p) {
            p = loadShared(origin, fetch);
            // A failure (Redis down) is not cached: the next item tries again.
            p.catch(() => local.delete(key));
            local.set(key, p);
          }
          return p;
        },
      };
    };
    const robots: RobotsStore = sharedStore<StoredRobots>('robots');
    const tdmRep: TdmRepStore = sharedStore<StoredTdmRep>('tdmrep');
    return { schedule, robots, tdmRep };
  }

  async forget(jobId: string): Promise<void> {
    this.originCache.delete(jobId);
    await this.client.redis.del(this.key(jobId, 'robots'), this.key(jobId, 'tdmrep')).catch(() => 0);
  }
}
