import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ClientRedis } from '@nestjs/microservices';
import { APP_CONFIG, type AppConfig } from '@datafactory/config';
import { jobEventsChannel, type JobEvent } from '@datafactory/contracts';
import { Subject, type Observable } from 'rxjs';
import { reconnectForever, redisOptionsFromUrl } from './redis.js';

/** Where a process sends the events of the jobs it works on. */
export abstract class JobEventsPublisher {
  abstract publish(event: JobEvent): void;
}

/**
 * Workers publish over Nest's Redis transport on the install's channel; every
 * API process subscribed to it gets the event. Fire and forget: events are
 * snapshots or stored logs, so one lost while Redis restarts costs nothing
 * that a reconnecting client does not get back from the database.
 */
@Injectable()
export class RedisJobEventsPublisher extends JobEventsPublisher implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisJobEventsPublisher.name);
  private readonly client: ClientRedis;
  private readonly channel: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    super();
    this.channel = jobEventsChannel(config.redis.prefix);
    this.client = new ClientRedis({ ...redisOptionsFromUrl(config.redis.url), retryStrategy: reconnectForever });
  }

  publish(event: JobEvent): void {
    this.client.emit(this.channel, event).subscribe({
      error: (e: Error) => this.logger.debug(`job event not published: ${e.message}`),
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}

/** In one process (the CLI's `run`, tests): events go to local subscribers only. */
@Injectable()
export class LocalJobEventsPublisher extends JobEventsPublisher {
  private readonly subject = new Subject<JobEvent>();
  readonly events$: Observable<JobEvent> = this.subject.asObservable();

  publish(event: JobEvent): void {
    this.subject.next(event);
  }
}
