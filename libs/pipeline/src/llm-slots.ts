import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { RedisClient } from './redis.js';

/** Grants LLM call slots of a job; `acquire` resolves with a release function. */
export abstract class LlmSlots {
  abstract acquire(jobId: string, limit: number, signal: AbortSignal): Promise<() => Promise<void>>;
  /** Closes what the slots opened (connections). */
  close(): void {}
}

/** One process: the job's Generator already limits its calls, so slots are free. */
export class LocalLlmSlots extends LlmSlots {
  async acquire(): Promise<() => Promise<void>> {
    return async () => undefined;
  }
}

/**
 * A lease is dropped if its holder neither renews nor releases it in this time (a killed worker); a live
 * holder renews its leases every third of it, so a call may take longer than the lease.
 */
const LEASE_MS = 30_000;
/**
 * A waiter tries again when a slot of its job is released (in this process at once, in another through a
 * Redis message), and at the latest after this long: a missed message or an expired lease.
 */
const RETRY_MS = 250;

// KEYS[1] = the job's lease set; ARGV = token, limit, now, expiry, lease ms. Expired leases are dropped first.
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], ARGV[4], ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
  return 1
end
return 0`;

// KEYS[1] = the job's lease set; ARGV = expiry, lease ms, tokens. Only leases still held are renewed (XX):
// one that expired while its holder stalled is not taken back.
const RENEW = `
for i = 3, #ARGV do
  redis.call('ZADD', KEYS[1], 'XX', ARGV[1], ARGV[i])
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 0`;

// KEYS[1] = the job's lease set, KEYS[2] = the release channel; ARGV[1] = token. Tells the waiting workers.
const RELEASE = `
if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then
  redis.call('PUBLISH', KEYS[2], KEYS[1])
end
return 0`;

/**
 * `max_concurrent_llm` for a job across every worker: a counting semaphore in
 * Redis (a sorted set of leases with expiry), so four workers with the job's
 * limit 5 still make at most 5 calls at once between them. A release wakes
 * the longest waiter of the job in this process at once and one in each other
 * worker through a message on one channel (a second connection, opened by the
 * first wait), so a freed slot is taken again within a round trip, not at the
 * next poll; a waiter that loses the race waits for the next release.
 * Leases are short (30 s) and renewed while held, so a killed worker's slots
 * come back within one lease, whatever the length of a call.
 */
export class RedisLlmSlots extends LlmSlots {
  /** Waiters by lease-set key. */
  private readonly waiters = new Map<string, Set<() => void>>();
  private subscriber?: Redis;
  private readonly channel: string;

  private readonly retryMs: number;
  private readonly leaseMs: number;
  /** Tokens of the leases this process holds, by lease-set key, renewed by `renewal`. */
  private readonly held = new Map<string, Set<string>>();
  private renewal?: NodeJS.Timeout;

  constructor(
    private readonly client: RedisClient,
    options: { retryMs?: number; leaseMs?: number } = {},
  ) {
    super();
    this.channel = `${client.prefix}:llm-slots:released`;
    this.retryMs = options.retryMs ?? RETRY_MS;
    this.leaseMs = options.leaseMs ?? LEASE_MS;
  }

  async acquire(jobId: string, limit: number, signal: AbortSignal): Promise<() => Promise<void>> {
    const key = `${this.client.prefix}:llm-slots:${jobId}`;
    const token = randomUUID();
    for (;;) {
      signal.throwIfAborted();
      const now = Date.now();
      const got = await this.client.redis.eval(ACQUIRE, 1, key, token, limit, now, now + this.leaseMs, this.leaseMs);
      if (got === 1) {
        this.hold(key, token);
        return () => this.release(key, token);
      }
      await this.released(key, signal);
    }
  }

  /** Closes the release channel's connection and stops renewing: leases still held then expire. */
  override close(): void {
    this.subscriber?.disconnect();
    this.subscriber = undefined;
    clearInterval(this.renewal);
    this.renewal = undefined;
    this.held.clear();
  }

  private async release(key: string, token: string): Promise<void> {
    this.unhold(key, token);
    await this.client.redis.eval(RELEASE, 2, key, this.channel, token).catch(() => 0);
    this.wake(key);
  }

  private hold(key: string, token: string): void {
    let tokens = this.held.get(key);
    if (!tokens) this.held.set(key, (tokens = new Set()));
    tokens.add(token);
    if (!this.renewal) {
      this.renewal = setInterval(() => void this.renew(), Math.max(1, Math.floor(this.leaseMs / 3)));
      this.renewal.unref();
    }
  }

  private unhold(key: string, token: string): void {
    const tokens = this.held.get(key);
    tokens?.delete(token);
    if (tokens?.size === 0) this.held.delete(key);
    if (this.held.size === 0) {
      clearInterval(this.renewal);
      this.renewal = undefined;
    }
  }

  /** One script per job with leases held here; a failed renewal is tried again at the next tick. */
  private async renew(): Promise<void> {
    const expiry = Date.now() + this.leaseMs;
    await Promise.all(
      [...this.held].map(([key, tokens]) =>
        this.client.redis.eval(RENEW, 1, key, expiry, this.leaseMs, ...tokens).catch(() => 0),
      ),
    );
  }

  /** One release frees one slot: the longest waiter of the job in this process tries again, not all of them. */
  private wake(key: string): void {
    this.waiters.get(key)?.values().next().value?.();
  }

  /** Resolves when a slot of `key` is released, after `retryMs`, or when `signal` aborts. */
  private released(key: string, signal: AbortSignal): Promise<void> {
    this.listen();
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      let set = this.waiters.get(key);
      if (!set) this.waiters.set(key, (set = new Set()));
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        set.delete(done);
        if (set.size === 0 && this.waiters.get(key) === set) this.waiters.delete(key);
        resolve();
      };
      const timer = setTimeout(done, this.retryMs);
      signal.addEventListener('abort', done, { once: true });
      set.add(done);
    });
  }

  private listen(): void {
    if (this.subscriber) return;
    // A connection of its own (a subscribed connection takes no other commands); while it is down the
    // waiters still try again every RETRY_MS.
    const sub = this.client.redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    sub.on('error', () => undefined);
    sub.on('message', (_channel: string, key: string) => this.wake(key));
    sub.subscribe(this.channel).catch(() => undefined);
    this.subscriber = sub;
  }
}
