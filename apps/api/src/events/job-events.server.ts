import type { INestApplication } from '@nestjs/common';
import { ServerRedis } from '@nestjs/microservices';
import type { AppConfig } from '@datafactory/config';
import { jobEventsChannel } from '@datafactory/contracts';
import {
  JobEventsPublisher,
  LocalJobEventsPublisher,
  reconnectForever,
  redisOptionsFromUrl,
} from '@datafactory/pipeline';
import { JobEventsHub } from './job-events.hub.js';

/**
 * Nest's Redis transport server, adjusted so that Redis being down never
 * stops or blocks the API:
 * - ServerRedis replaces any `retryStrategy` option with its own
 *   (retryAttempts/retryDelay, giving up when they are not set), so the
 *   reconnect-forever policy is put back here;
 * - ServerRedis.start() subscribes only after both connections are up and
 *   fails listen() when the first attempt fails; here the subscriptions are
 *   issued at once (ioredis queues them until Redis is reachable and
 *   re-subscribes after every reconnect) and listen() returns immediately;
 * - its connections log nothing: the API's RedisClient logs one line per
 *   outage transition.
 */
export class JobEventsServer extends ServerRedis {
  override createRetryStrategy(times: number): number | undefined {
    return this.isManuallyClosed ? undefined : reconnectForever(times);
  }

  override start(callback?: () => void): void {
    this.bindEvents(this.subClient, this.pubClient);
    for (const client of [this.subClient, this.pubClient]) {
      (client as { connect(): Promise<void> }).connect().catch(() => undefined);
    }
    callback?.();
  }

  /** RedisClient reports an outage once (down, back up); these connections stay quiet. */
  override registerErrorListener(client: { on(event: 'error', fn: (err: Error) => void): void }): void {
    client.on('error', () => undefined);
  }

  /** ServerRedis would log every reconnect attempt. */
  override registerReconnectListener(): void {}

  override registerReadyListener(client: { on(event: string, fn: () => void): void }): void {
    client.on('ready', () => {
      this.wasInitialConnectionSuccessful = true;
    });
  }
}

/**
 * Subscribes the API to the install's job-event channel; events go to the JobEventsHub. Embedded (the
 * stages in this process, no Redis), the hub takes the events this process publishes instead.
 */
export async function connectJobEvents(app: INestApplication, config: AppConfig): Promise<void> {
  const hub = app.get(JobEventsHub);
  const publisher = app.get(JobEventsPublisher);
  if (publisher instanceof LocalJobEventsPublisher) {
    publisher.events$.subscribe((event) => hub.receive(event));
    return;
  }
  const server = new JobEventsServer({ ...redisOptionsFromUrl(config.redis.url), retryStrategy: reconnectForever });
  server.addHandler(jobEventsChannel(config.redis.prefix), async (event: unknown) => hub.receive(event), true);
  app.connectMicroservice({ strategy: server });
  await app.startAllMicroservices();
}
