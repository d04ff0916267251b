#!/usr/bin/env node
// Container healthchecks (docker-compose.yml): `node docker/healthcheck.mjs api|worker`.
// Exit 0 = healthy, 1 = unhealthy; one line on stdout says why (`docker inspect` shows it).
//
// api     GET /health on this container. Healthy when the API answers and its own
//         dependencies (database, Redis) are up. /health also answers 503 while no worker is
//         alive: that is the worker containers' own check, and counting it here would keep the
//         API (and the frontend, which waits for it) unhealthy until a worker has started.
// worker  This container's worker process wrote its heartbeat to Redis within the heartbeat
//         TTL. The heartbeat names the host, and a container's hostname is its own, so with
//         `--scale worker=4` each replica checks itself, not "some worker somewhere".
//
// The configuration comes from the built libs/config, exactly as the apps read it.
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import { loadConfig } from '../dist/libs/config/src/config.js';
import { RedisKey, WORKER_HEARTBEAT_TTL_MS } from '../dist/libs/contracts/src/index.js';

const TIMEOUT_MS = 4_000;

async function checkApi(config) {
  const res = await fetch(`http://127.0.0.1:${config.port}/health`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  const body = await res.json().catch(() => ({}));
  const down = Array.isArray(body.down) ? body.down : [];
  if (res.status === 200) return [true, 'ok'];
  if (res.status === 503 && down.length > 0 && down.every((d) => d === 'workers')) {
    return [true, 'ok (no worker alive yet: the worker containers report that)'];
  }
  return [false, `HTTP ${res.status}${down.length ? `, down: ${down.join(', ')}` : ''}`];
}

async function checkWorker(config) {
  const redis = new Redis(config.redis.url, {
    lazyConnect: true,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const me = hostname();
    const stream = redis.scanStream({ match: RedisKey.workerHeartbeatPattern(config.redis.prefix), count: 500 });
    for await (const keys of stream) {
      const values = keys.length ? await redis.mget(keys) : [];
      for (const value of values) {
        if (!value) continue;
        const beat = JSON.parse(value);
        const age = Date.now() - Date.parse(beat.lastSeenAt);
        if (beat.hostname === me && age <= WORKER_HEARTBEAT_TTL_MS) {
          return [true, `ok (${beat.workerId}, heartbeat ${Math.round(age / 1000)} s ago, ${beat.active} active)`];
        }
      }
    }
    return [false, `no heartbeat from host ${me} in the last ${WORKER_HEARTBEAT_TTL_MS / 1000} s`];
  } finally {
    redis.disconnect();
  }
}

const checks = { api: checkApi, worker: checkWorker };
const which = process.argv[2];
if (!which || !Object.hasOwn(checks, which)) {
  console.log(`usage: node docker/healthcheck.mjs ${Object.keys(checks).join('|')}`);
  process.exit(2);
}
try {
  const [healthy, detail] = await checks[which](loadConfig());
  console.log(`${which}: ${detail}`);
  process.exit(healthy ? 0 : 1);
} catch (e) {
  console.log(`${which}: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
