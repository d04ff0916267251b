import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig, redactUrl } from '@datafactory/config';
import { Redis, type RedisOptions } from 'ioredis';

/** ioredis options from a redis:// or rediss:// URL (BullMQ takes options, not URLs). */
export function redisOptionsFromUrl(url: string): RedisOptions {
  const u = new URL(url);
  const db = u.pathname && u.pathname !== '/' ? Number(u.pathname.slice(1)) : 0;
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: Number.isInteger(db) ? db : 0,
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/** Reconnect forever, backing off to 2 s: a Redis restart must not kill the API or a worker. */
export const reconnectForever = (times: number): number => Math.min(200 * times, 2_000);

/**
 * The process's own Redis client for small commands (heartbeats, health, job
 * events and cancels published), and the one that reports outages: every
 * other Redis connection of the process stays quiet.
 * Commands fail fast while Redis is down instead of queueing, so /health
 * answers at once.
 */
@Injectable()
export class RedisClient implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisClient.name);
  readonly redis: Redis;
  readonly prefix: string;
  private lastError?: string;
  private down = false;
  private wasReady = false;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.prefix = config.redis.prefix;
    this.redis = new Redis({
      ...redisOptionsFromUrl(config.redis.url),
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      retryStrategy: reconnectForever,
    });
    // ioredis emits an error on every reconnect attempt, and the message changes (refused, timed out, reset):
    // one line when Redis goes away and one when it is back, whatever happens in between. A server that
    // stops cleanly closes the connection without an error (and may be back before the first retry fails).
    const where = redactUrl(config.redis.url);
    const down = (reason: string) => {
      if (!this.down) this.logger.warn(`redis down: ${where} is not reachable (${reason})`);
      this.down = true;
      this.lastError = reason;
    };
    this.redis.on('error', (err: Error) => down(err.message));
    this.redis.on('close', () => {
      if (this.wasReady) down('connection closed');
    });
    this.redis.on('ready', () => {
      if (this.down) this.logger.log(`redis back up: ${where}`);
      this.down = false;
      this.wasReady = true;
      this.lastError = undefined;
    });
  }

  /** PING with a deadline; resolves to the latency or rejects with what is wrong. */
  async ping(timeoutMs = 1_500): Promise<number> {
    const started = performance.now();
    if (this.redis.status !== 'ready') {
      throw new Error(this.lastError ? `not connected (${this.lastError})` : `not connected (${this.redis.status})`);
    }
    await withTimeout(this.redis.ping(), timeoutMs, 'PING timed out');
    return Math.round(performance.now() - started);
  }

  async onApplicationShutdown(): Promise<void> {
    this.redis.disconnect();
  }
}

/** `promise`, or a rejection with `message` after `ms` (ioredis commands take no AbortSignal). */
export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  const signal = AbortSignal.timeout(ms);
  const timeout = new Promise<never>((_, reject) => {
    signal.addEventListener('abort', () => reject(new Error(message)), { once: true });
  });
  return Promise.race([promise, timeout]);
}
