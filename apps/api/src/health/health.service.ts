import { EntityManager } from '@mikro-orm/core';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { APP_CONFIG, type AppConfig, VERSION } from '@datafactory/config';
import type { ComponentHealth, HealthReport, WorkersHealth } from '@datafactory/contracts';
import { checkDatabase } from '@datafactory/persistence';
import { PIPELINE_MODE, type PipelineMode, RedisClient, WorkerRegistry } from '@datafactory/pipeline';

@Injectable()
export class HealthService {
  constructor(
    private readonly em: EntityManager,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(PIPELINE_MODE) private readonly mode: PipelineMode,
    // Distributed only: embedded, there is no Redis and no worker registry.
    @Optional() private readonly redis?: RedisClient,
    @Optional() private readonly workers?: WorkerRegistry,
  ) {}

  async report(): Promise<HealthReport> {
    if (this.mode === 'embedded') return this.embeddedReport();
    const [database, redis] = await Promise.all([this.database(), this.redisHealth()]);
    const workers = redis.status === 'ok' ? await this.workerHealth() : unknownWorkers();
    const down = [
      ...(database.status === 'down' ? ['database'] : []),
      ...(redis.status === 'down' ? ['redis'] : []),
      ...(workers.status === 'down' ? ['workers'] : []),
    ];
    return {
      status: down.length ? 'down' : 'ok',
      mode: this.mode,
      down,
      database: { ...database, driver: this.config.database.driver },
      redis,
      workers,
      version: VERSION,
      uptimeSeconds: Math.round(process.uptime()),
    };
  }

  /** The stages run in this process: its one "worker" is alive if this answers; Redis is not used. */
  private async embeddedReport(): Promise<HealthReport> {
    const database = await this.database();
    return {
      status: database.status === 'down' ? 'down' : 'ok',
      mode: 'embedded',
      down: database.status === 'down' ? ['database'] : [],
      database: { ...database, driver: this.config.database.driver },
      redis: { status: 'unknown', error: 'not used: embedded mode keeps its queues in memory' },
      workers: { status: 'ok', count: 1, lastHeartbeatAt: new Date().toISOString() },
      version: VERSION,
      uptimeSeconds: Math.round(process.uptime()),
    };
  }

  private async database(): Promise<ComponentHealth> {
    try {
      return { status: 'ok', latencyMs: await checkDatabase(this.em, 2_000) };
    } catch (e) {
      return { status: 'down', error: (e as Error).message };
    }
  }

  private async redisHealth(): Promise<ComponentHealth> {
    try {
      return { status: 'ok', latencyMs: await this.redis!.ping() };
    } catch (e) {
      return { status: 'down', error: (e as Error).message };
    }
  }

  private async workerHealth(): Promise<WorkersHealth> {
    try {
      const live = await this.workers!.live();
      if (live.length === 0) {
        return {
          status: 'down',
          count: 0,
          lastHeartbeatAt: null,
          error: 'no worker has sent a heartbeat in the last 15 s',
        };
      }
      return { status: 'ok', count: live.length, lastHeartbeatAt: live[0]!.lastSeenAt };
    } catch (e) {
      return { ...unknownWorkers(), error: (e as Error).message };
    }
  }
}

function unknownWorkers(): WorkersHealth {
  return { status: 'unknown', count: 0, lastHeartbeatAt: null, error: 'cannot tell while Redis is down' };
}
