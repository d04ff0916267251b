/**
 * Integration: the shared crawl frontier (libs/persistence
 * CrawlFrontierRepository) on a real SQLite file and a PostgreSQL schema of
 * the shared server, written concurrently (on PostgreSQL by two ORMs, two
 * connection pools, as two worker processes have); and the per-host schedule and robots.txt store
 * (libs/pipeline RedisCrawlHosts) on the machine's Redis, from two clients
 * (own key prefix, deleted afterwards).
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { MikroORM } from '@mikro-orm/core';
import type { AppConfig, DatabaseConfig } from '@datafactory/config';
import { JobStatus, Stage } from '@datafactory/contracts';
import {
  CrawlFrontierRepository,
  type FrontierCandidate,
  createOrmConfig,
  foldJobCounters,
  Job,
  migrateDatabase,
  Project,
} from '@datafactory/persistence';
import { RedisClient } from '@datafactory/pipeline';
import { RedisCrawlHosts } from '@datafactory/pipeline/worker';
import { deleteRedisKeys, storedJobConfig, testDatabaseTargets, uniqueRedisPrefix } from '@datafactory/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const targets = testDatabaseTargets('df-frontier-');

describe.each(targets)('the crawl frontier on $name, admitted and settled concurrently', (target) => {
  let db: DatabaseConfig;
  let a: MikroORM;
  let b: MikroORM;

  beforeAll(async () => {
    db = target.db();
    await migrateDatabase(db);
    a = await MikroORM.init(createOrmConfig(db));
    // better-sqlite3 waits for a lock synchronously: two connections in one process would block each
    // other's thread. On SQLite one process has one connection, so both "workers" share it here.
    b = db.driver === 'sqlite' ? a : await MikroORM.init(createOrmConfig(db));
  });
  afterAll(async () => {
    await a?.close(true);
    if (b !== a) await b?.close(true);
    if (db) await target.cleanup(db);
  });

  const newJob = async () => {
    const em = a.em.fork();
    const project = em.create(Project, { name: `p ${randomBytes(3).toString('hex')}` });
    const job = em.create(Job, {
      project,
      status: JobStatus.Running,
      stage: Stage.Crawler,
      config: storedJobConfig({}, ['https://a.test/']),
    });
    await em.flush();
    return job.id;
  };
  const page = (n: number): FrontierCandidate => ({ kind: 'page', url: `https://a.test/p/${n}`, depth: 1 });

  it('admits each URL once and exactly max_pages of them, however the admissions interleave', async () => {
    const jobId = await newJob();
    const repos = [new CrawlFrontierRepository(a.em), new CrawlFrontierRepository(b.em)];
    // 24 admissions of 10 overlapping URLs each (60 distinct), half through each pool, all at once.
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        repos[i % 2]!.admit(
          jobId,
          Array.from({ length: 10 }, (_, k) => page((i * 7 + k * 3) % 60)),
          { maxPages: 25, maxSitemaps: 100, seeds: false },
        ),
      ),
    );
    const queued = results.flatMap((r) => r.queued);
    expect(queued).toHaveLength(25);
    expect(new Set(queued.map((r) => r.url)).size).toBe(25);
    const counts = await repos[0]!.counts(jobId);
    expect(counts.pages).toBe(25);
    expect(counts.queued).toBe(25);
    const offered = new Set(
      Array.from({ length: 24 }, (_, i) => Array.from({ length: 10 }, (_, k) => (i * 7 + k * 3) % 60)).flat(),
    );
    expect(counts.dropped).toBe(offered.size - 25);
    expect(results.reduce((n, r) => n + r.dropped, 0)).toBe(offered.size - 25);
    // The discovered pages admitted were counted into the crawler's total, once each.
    await foldJobCounters(a.em.fork(), jobId);
    const job = await a.em.fork().findOneOrFail(Job, { id: jobId });
    expect(job.progress.crawler.total).toBe(25);
    expect(job.crawlPagesAdmitted).toBe(25);
    // Offering them again adds nothing and hands back the ones still queued.
    const again = await repos[1]!.admit(
      jobId,
      queued.map((r) => page(Number(r.url.split('/').pop()))),
      {
        maxPages: 25,
        maxSitemaps: 100,
        seeds: false,
      },
    );
    expect(again.queued).toHaveLength(0);
    expect(again.alreadyQueued).toHaveLength(25);
  });

  it('notes seeds past max_pages instead of dropping them, and ends the crawl exactly once', async () => {
    const jobId = await newJob();
    const repo = new CrawlFrontierRepository(a.em);
    const seeds = Array.from({ length: 6 }, (_, i) => ({ ...page(i), depth: 0 }));
    const admitted = await repo.admit(jobId, seeds, { maxPages: 4, maxSitemaps: 100, seeds: true });
    expect(admitted.queued).toHaveLength(6);
    expect(admitted.queued.map((r) => r.note)).toEqual([null, null, null, null, 'max_pages', 'max_pages']);
    expect(await repo.finishIfDrained(jobId)).toBe(false);

    // Both pools settle the rows at once, each settling item then asking whether the crawl is over.
    const ids = await repo.queuedIds(jobId);
    const repos = [new CrawlFrontierRepository(a.em), new CrawlFrontierRepository(b.em)];
    const orms = [a, b];
    const outcomes = await Promise.all(
      [...ids, ...ids].map(async (id, i) => {
        const r = repos[i % 2]!;
        let won = false;
        await orms[i % 2]!.em.fork().transactional(async (tem) => {
          won = await r.settle(tem, id, null);
        });
        return { won, finished: await r.finishIfDrained(jobId) };
      }),
    );
    expect(outcomes.filter((o) => o.won)).toHaveLength(ids.length);
    expect(outcomes.filter((o) => o.finished)).toHaveLength(1);
    expect((await a.em.fork().findOneOrFail(Job, { id: jobId })).stage).toBe(Stage.Refiner);
  });

  it('claims a final URL for the first page that reached it', async () => {
    const jobId = await newJob();
    const repo = new CrawlFrontierRepository(a.em);
    expect(await repo.claimFinalUrl(jobId, 'https://a.test/final', 'https://a.test/x')).toBeUndefined();
    expect(await repo.claimFinalUrl(jobId, 'https://a.test/final', 'https://a.test/x')).toBeUndefined();
    expect(
      await new CrawlFrontierRepository(b.em).claimFinalUrl(jobId, 'https://a.test/final', 'https://a.test/y'),
    ).toBe('https://a.test/x');
  });
});

describe('the per-host schedule, robots.txt and tdmrep.json store in Redis, from two clients', () => {
  const url = 'redis://127.0.0.1:6379';
  const prefix = uniqueRedisPrefix();
  const config = { redis: { url, prefix } } as AppConfig;
  const clients = [new RedisClient(config), new RedisClient(config)];
  const hosts = clients.map((c) => new RedisCrawlHosts(c));

  // The clients queue no commands while connecting (enableOfflineQueue: false).
  beforeAll(async () => {
    for (const c of clients) if (c.redis.status !== 'ready') await once(c.redis, 'ready');
  });

  afterAll(async () => {
    for (const c of clients) await c.onApplicationShutdown();
    await deleteRedisKeys(url, prefix);
  });

  it('grants a host to one request at a time, each at least the interval after the last headers', async () => {
    const pacing = { intervalMs: 50, leaseMs: 5_000 };
    const schedules = hosts.map((h) => h.forJob('job-a', pacing).schedule);
    const grants: { at: number; released: number }[] = [];
    await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const release = await schedules[i % 2]!.acquire('example.test:80');
        const at = performance.now();
        await new Promise((r) => setTimeout(r, 5)); // "awaiting the headers"
        const released = performance.now();
        release();
        grants.push({ at, released });
      }),
    );
    grants.sort((x, y) => x.at - y.at);
    for (let i = 1; i < grants.length; i++) {
      // Never two holders at once, and the interval after the previous release (1 ms: Redis's ms clock).
      expect(grants[i]!.at - grants[i - 1]!.released).toBeGreaterThanOrEqual(pacing.intervalMs - 1);
    }
    // Another job's schedule for the same host is its own.
    const other = await hosts[0]!.forJob('job-b', pacing).schedule.acquire('example.test:80');
    other();
  });

  it('ends the hold of a holder that never releases (a killed worker) after its lease', async () => {
    const pacing = { intervalMs: 10, leaseMs: 300 };
    const [first, second] = hosts.map((h) => h.forJob('job-c', pacing).schedule);
    const before = performance.now();
    await first!.acquire('held.test:80'); // never released
    const release = await second!.acquire('held.test:80');
    // Granted, but not before the lease taken after `before` ran out (1 ms: Redis's ms clock).
    expect(performance.now() - before).toBeGreaterThanOrEqual(pacing.leaseMs - 1);
    release();
  });

  it('fetches an origin robots.txt once for all clients and keeps what was fetched', async () => {
    const pacing = { intervalMs: 10, leaseMs: 5_000 };
    let fetches = 0;
    const fetch = async () => {
      fetches++;
      await new Promise((r) => setTimeout(r, 50));
      return { kind: 'rules' as const, body: 'User-agent: *\nDisallow: /private/\n' };
    };
    const loads = await Promise.all(
      Array.from({ length: 6 }, (_, i) => hosts[i % 2]!.forJob('job-d', pacing).robots!.load('https://r.test', fetch)),
    );
    expect(fetches).toBe(1);
    for (const l of loads) expect(l).toEqual({ kind: 'rules', body: 'User-agent: *\nDisallow: /private/\n' });
    // A worker that starts later reads it from Redis.
    const late = new RedisCrawlHosts(clients[1]!);
    expect(await late.forJob('job-d', pacing).robots!.load('https://r.test', fetch)).toMatchObject({ kind: 'rules' });
    expect(fetches).toBe(1);
  });

  it('fetches robots.txt once when a worker stalls between finding it missing and taking the lock', async () => {
    // A worker under load: every Redis reply reaches it 100 ms late (its event loop was busy). Before the fix it
    // read "not stored" while the other worker held the lock, then took the lock after that worker had stored the
    // outcome and released it, and fetched robots.txt again.
    const slowClient = new RedisClient(config);
    if (slowClient.redis.status !== 'ready') await once(slowClient.redis, 'ready');
    const r = slowClient.redis as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    for (const name of ['hget', 'set', 'eval']) {
      const command = r[name]!.bind(slowClient.redis);
      r[name] = async (...args: unknown[]) => {
        const reply = await command(...args);
        await new Promise((res) => setTimeout(res, 100));
        return reply;
      };
    }
    try {
      const pacing = { intervalMs: 10, leaseMs: 5_000 };
      let fetches = 0;
      const fetch = async () => {
        fetches++;
        await new Promise((res) => setTimeout(res, 50));
        return { kind: 'allow-all' as const };
      };
      const first = hosts[0]!.forJob('job-s', pacing).robots!.load('https://s.test', fetch);
      // The other worker asks while the first one holds the lock and fetches.
      await new Promise((res) => setTimeout(res, 20));
      const slow = new RedisCrawlHosts(slowClient).forJob('job-s', pacing).robots!.load('https://s.test', fetch);
      expect(await Promise.all([first, slow])).toEqual([{ kind: 'allow-all' }, { kind: 'allow-all' }]);
      expect(fetches).toBe(1);
    } finally {
      await slowClient.onApplicationShutdown();
    }
  });

  it('keeps tdmrep.json apart from robots.txt: fetched once per origin for all clients, dropped with the job', async () => {
    const pacing = { intervalMs: 10, leaseMs: 5_000 };
    const rules = { kind: 'rules' as const, rules: [{ location: '/x', reservation: 1 as const, policy: null }] };
    let fetches = 0;
    const fetch = async () => {
      fetches++;
      await new Promise((r) => setTimeout(r, 50));
      return rules;
    };
    const loads = await Promise.all(
      Array.from({ length: 6 }, (_, i) => hosts[i % 2]!.forJob('job-t', pacing).tdmRep!.load('https://t.test', fetch)),
    );
    expect(fetches).toBe(1);
    for (const l of loads) expect(l).toEqual(rules);
    // The robots.txt of the same origin is its own entry.
    const robots = await hosts[0]!
      .forJob('job-t', pacing)
      .robots!.load('https://t.test', async () => ({ kind: 'allow-all' as const }));
    expect(robots).toEqual({ kind: 'allow-all' });
    await hosts[0]!.forget('job-t');
    const fresh = new RedisCrawlHosts(clients[1]!);
    await fresh.forJob('job-t', pacing).tdmRep!.load('https://t.test', fetch);
    expect(fetches).toBe(2);
  });
});
