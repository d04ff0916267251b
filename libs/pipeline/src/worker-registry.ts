import { Injectable } from '@nestjs/common';
import { RedisKey, type WorkerHeartbeat, WORKER_HEARTBEAT_TTL_MS } from '@datafactory/contracts';
import { RedisClient, withTimeout } from './redis.js';

/** Reads the heartbeats workers leave in Redis; a worker whose key expired is gone. */
@Injectable()
export class WorkerRegistry {
  constructor(private readonly client: RedisClient) {}

  async live(timeoutMs = 1_500): Promise<WorkerHeartbeat[]> {
    const { redis, prefix } = this.client;
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await withTimeout(
        redis.scan(cursor, 'MATCH', RedisKey.workerHeartbeatPattern(prefix), 'COUNT', 200),
        timeoutMs,
        'SCAN timed out',
      );
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    if (keys.length === 0) return [];
    const values = await withTimeout(redis.mget(keys), timeoutMs, 'MGET timed out');
    const now = Date.now();
    return values
      .flatMap((v) => (v ? [JSON.parse(v) as WorkerHeartbeat] : []))
      .filter((h) => now - Date.parse(h.lastSeenAt) <= WORKER_HEARTBEAT_TTL_MS)
      .sort((a, b) => b.lastSeenAt.localeCompare(a.lastSeenAt));
  }
}
