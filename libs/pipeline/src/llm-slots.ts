import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { RedisClient } from './redis.js';

/** Grants LLM call slots of a job; `acquire` resolves with a release function. */
export abstract class LlmSlots {
  abstract acquire(jobId: string, limit: number, signal: AbortSignal): Promise<() => Promise<void>>;
}

/** One process: the job's Generator already limits its calls, so slots are free. */
export class LocalLlmSlots extends LlmSlots {
  async acquire(): Promise<() => Promise<void>> {
    return async () => undefined;
  }
}

/** A lease is dropped if its holder does not release it in this time (a killed worker). */
const LEASE_MS = 5 * 60_000;
const POLL_MS = 25;

// KEYS[1] = the job's lease set; ARGV = token, limit, now, expiry. Expired leases are dropped first.
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], ARGV[4], ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ${LEASE_MS})
  return 1
end
return 0`;

/**
 * `max_concurrent_llm` for a job across every worker: a counting semaphore in
 * Redis (a sorted set of leases with expiry), so four workers with the job's
 * limit 5 still make at most 5 calls at once between them.
 */
@Injectable()
export class RedisLlmSlots extends LlmSlots {
  constructor(private readonly client: RedisClient) {
    super();
  }

  async acquire(jobId: string, limit: number, signal: AbortSignal): Promise<() => Promise<void>> {
    const key = `${this.client.prefix}:llm-slots:${jobId}`;
    const token = randomUUID();
    for (;;) {
      signal.throwIfAborted();
      const now = Date.now();
      const got = await this.client.redis.eval(ACQUIRE, 1, key, token, limit, now, now + LEASE_MS);
      if (got === 1) return async () => void (await this.client.redis.zrem(key, token).catch(() => 0));
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }
}
