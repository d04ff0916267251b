import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@datafactory/config';
import { STAGE_QUEUES } from '@datafactory/contracts';
import { reconnectForever, RedisClient, redisOptionsFromUrl } from './redis.js';
import { WorkerRegistry } from './worker-registry.js';

/**
 * The enqueue side, imported by the API and the worker: the BullMQ connection
 * (under the configured key prefix) and one queue per stage, plus the shared
 * Redis client and the registry of live workers.
 */
@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        prefix: config.redis.prefix,
        connection: { ...redisOptionsFromUrl(config.redis.url), retryStrategy: reconnectForever },
        // Producers fail fast while Redis is down instead of hanging a request.
        skipWaitingForReady: true,
        defaultJobOptions: { removeOnComplete: 1_000, removeOnFail: 5_000 },
      }),
    }),
    BullModule.registerQueue(...STAGE_QUEUES.map((name) => ({ name }))),
  ],
  providers: [RedisClient, WorkerRegistry],
  exports: [BullModule, RedisClient, WorkerRegistry],
})
export class QueuesModule {}
