import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@datafactory/config';
import { jobCancelChannel } from '@datafactory/contracts';
import { Redis } from 'ioredis';
import { reconnectForever, redisOptionsFromUrl } from './redis.js';

/**
 * One AbortSignal per pipeline job in this process, aborted when a cancel for
 * that job is published (JobsService.cancel), so in-flight LLM calls and page
 * fetches stop at once. Handlers also check the job's status before each item.
 */
@Injectable()
export class Cancellations implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(Cancellations.name);
  private readonly controllers = new Map<string, AbortController>();
  private subscriber?: Redis;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async onModuleInit(): Promise<void> {
    this.subscriber = new Redis({ ...redisOptionsFromUrl(this.config.redis.url), retryStrategy: reconnectForever });
    this.subscriber.on('error', () => undefined); // RedisClient reports connection trouble
    this.subscriber.on('message', (_channel: string, jobId: string) => this.cancel(jobId));
    void this.subscriber.subscribe(jobCancelChannel(this.config.redis.prefix)).catch((e: Error) => {
      this.logger.warn(`cannot subscribe to cancellations yet: ${e.message}`);
    });
  }

  signalFor(jobId: string): AbortSignal {
    let controller = this.controllers.get(jobId);
    if (!controller) {
      controller = new AbortController();
      this.controllers.set(jobId, controller);
      // Bounded memory: signals of long-finished jobs are forgotten.
      if (this.controllers.size > 10_000) this.controllers.delete(this.controllers.keys().next().value!);
    }
    return controller.signal;
  }

  cancel(jobId: string): void {
    const controller = this.controllers.get(jobId) ?? new AbortController();
    this.controllers.set(jobId, controller);
    controller.abort(new Error(`job ${jobId} was cancelled`));
  }

  onApplicationShutdown(): void {
    this.subscriber?.disconnect();
  }
}
