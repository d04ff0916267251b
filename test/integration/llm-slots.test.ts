/**
 * Integration: a job's LLM call slots across workers (libs/pipeline
 * RedisLlmSlots) on the machine's Redis, from two clients as two worker
 * processes have (own key prefix, deleted afterwards).
 */
import type { AppConfig } from '@datafactory/config';
import { RedisClient } from '@datafactory/pipeline';
import { RedisLlmSlots } from '@datafactory/pipeline/worker';
import { deleteRedisKeys, uniqueRedisPrefix } from '@datafactory/testing';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe("a job's LLM call slots in Redis, from two clients", () => {
  const url = 'redis://127.0.0.1:6379';
  const prefix = uniqueRedisPrefix();
  const config = { redis: { url, prefix } } as AppConfig;
  const clients = [new RedisClient(config), new RedisClient(config)];
  // No retry timer to speak of: a waiter gets a slot only when a release wakes it.
  const slots = clients.map((c) => new RedisLlmSlots(c, { retryMs: 600_000 }));
  const signal = new AbortController().signal;

  beforeAll(async () => {
    await Promise.all(clients.map((c) => (c.redis.status === 'ready' ? undefined : once(c.redis, 'ready'))));
  });
  afterAll(async () => {
    for (const s of slots) s.close();
    for (const c of clients) await c.onApplicationShutdown();
    await deleteRedisKeys(url, prefix);
  });

  it('never grants more than the limit between both, and a release in either wakes a waiter in the other', async () => {
    const limit = 2;
    let held = 0;
    let most = 0;
    const grants: number[] = [];
    await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const release = await slots[i % 2]!.acquire('job-a', limit, signal);
        held++;
        most = Math.max(most, held);
        grants.push(i);
        await new Promise((r) => setTimeout(r, 5));
        held--;
        await release();
      }),
    );
    expect(grants).toHaveLength(12);
    expect(most).toBe(limit);
  });

  it("wakes the other client's waiter when a slot is released, with no poll", async () => {
    const first = await slots[0]!.acquire('job-b', 1, signal);
    let granted = false;
    const waiting = slots[1]!.acquire('job-b', 1, signal).then((release) => ((granted = true), release));
    // The waiter has asked and been told no (the lease set holds one).
    await new Promise((r) => setTimeout(r, 50));
    expect(granted).toBe(false);
    await first();
    const second = await waiting;
    expect(granted).toBe(true);
    await second();
  });

  it("keeps each job's slots apart and stops waiting when the signal aborts", async () => {
    const a = await slots[0]!.acquire('job-c', 1, signal);
    const other = await slots[1]!.acquire('job-d', 1, signal);
    const controller = new AbortController();
    const waiting = slots[1]!.acquire('job-c', 1, controller.signal);
    controller.abort(new Error('cancelled'));
    await expect(waiting).rejects.toThrow('cancelled');
    await Promise.all([a(), other()]);
  });

  it("renews a lease while it is held, and a closed (killed) holder's lease comes back within one lease", async () => {
    const leaseMs = 300;
    const [a, b] = clients.map((c) => new RedisLlmSlots(c, { retryMs: 50, leaseMs }));
    try {
      const held = await a!.acquire('job-e', 1, signal);
      let granted = false;
      const waiting = b!.acquire('job-e', 1, signal).then((release) => ((granted = true), release));
      // Three leases long: renewed, so still held.
      await new Promise((r) => setTimeout(r, 3 * leaseMs));
      expect(granted).toBe(false);
      // The holder dies without releasing: nothing renews the lease and it expires.
      a!.close();
      const second = await waiting;
      expect(granted).toBe(true);
      await second();
      await held(); // a late release of an expired lease frees nothing twice
      const third = await b!.acquire('job-e', 1, signal);
      await third();
    } finally {
      a!.close();
      b!.close();
    }
  });
});
