/**
 * End-to-end: startStack itself (libs/testing), which the other e2e files use
 * to state their stack: it waits for the API and its workers, adds a worker
 * on demand, and leaves nothing behind when stopped or when a step fails.
 */
import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import { SHARED_REDIS_URL, startStack } from '@datafactory/testing';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';

async function keysUnder(prefix: string): Promise<string[]> {
  const redis = new Redis(SHARED_REDIS_URL);
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    return keys;
  } finally {
    redis.disconnect();
  }
}

describe('startStack', () => {
  it('is ready with its workers registered, adds one on demand, and stop() removes what it made', async () => {
    const stack = await startStack({ workers: 1 });
    try {
      const health = await stack.json('GET', '/health');
      expect(health.status).toBe(200);
      expect(health.body.workers.count).toBe(1);
      const added = await stack.addWorker();
      expect(stack.workers).toHaveLength(2);
      expect(stack.workers[1]).toBe(added);
      expect((await stack.json('GET', '/health')).body.workers.count).toBe(2);
      expect(existsSync(stack.dataDir)).toBe(true);
      expect(await keysUnder(stack.env.REDIS_PREFIX!)).not.toEqual([]);
    } finally {
      await stack.stop();
    }
    for (const p of [stack.api, ...stack.workers]) expect(p.child.exitCode ?? p.child.signalCode).not.toBeNull();
    expect(existsSync(stack.dataDir)).toBe(false);
    expect(await keysUnder(stack.env.REDIS_PREFIX!)).toEqual([]);
    await stack.stop(); // twice is fine
  });

  it('throws with the output of the failed step and removes its data dir', async () => {
    const before = new Set(readdirSync(os.tmpdir()).filter((d) => d.startsWith('df-stack-')));
    await expect(startStack({ env: { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/test' } })).rejects.toThrow(
      /datafactory db migrate exited 1/,
    );
    const left = readdirSync(os.tmpdir()).filter((d) => d.startsWith('df-stack-') && !before.has(d));
    expect(left).toEqual([]);
  });
});
