import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@datafactory/config';
import {
  RedisKey,
  STAGE_QUEUES,
  WORKER_HEARTBEAT_INTERVAL_MS,
  WORKER_HEARTBEAT_TTL_MS,
  type WorkerHeartbeat,
} from '@datafactory/contracts';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { RedisClient } from './redis.js';
import { ActiveJobs } from './active-jobs.js';

/**
 * Writes this worker's heartbeat to Redis every few seconds with a TTL, so
 * /health sees live workers and a crashed one disappears by itself. The
 * heartbeat stops (and its key is removed) as soon as shutdown begins.
 */
@Injectable()
export class HeartbeatService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(HeartbeatService.name);
  readonly workerId = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  private readonly startedAt = new Date().toISOString();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly client: RedisClient,
    private readonly active: ActiveJobs,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    void this.beat();
    this.timer = setInterval(() => void this.beat(), WORKER_HEARTBEAT_INTERVAL_MS);
    this.timer.unref();
    this.logger.log(`worker ${this.workerId} started (concurrency ${this.config.worker.concurrency} per queue)`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    try {
      await this.client.redis.del(RedisKey.workerHeartbeat(this.client.prefix, this.workerId));
    } catch {
      // Redis down: the key expires by itself.
    }
  }

  private async beat(): Promise<void> {
    const heartbeat: WorkerHeartbeat = {
      workerId: this.workerId,
      hostname: hostname(),
      pid: process.pid,
      startedAt: this.startedAt,
      lastSeenAt: new Date().toISOString(),
      queues: [...STAGE_QUEUES],
      active: this.active.count,
    };
    try {
      await this.client.redis.set(
        RedisKey.workerHeartbeat(this.client.prefix, this.workerId),
        JSON.stringify(heartbeat),
        'PX',
        WORKER_HEARTBEAT_TTL_MS,
      );
    } catch {
      // RedisClient logs connection problems once; the next beat retries.
    }
  }
}
