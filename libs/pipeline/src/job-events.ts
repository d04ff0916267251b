import { Injectable, Logger } from '@nestjs/common';
import { jobEventsChannel, type JobEvent } from '@datafactory/contracts';
import { Subject, type Observable } from 'rxjs';
import { RedisClient } from './redis.js';

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
export class RedisJobEventsPublisher extends JobEventsPublisher {
  private readonly logger = new Logger(RedisJobEventsPublisher.name);
  private readonly channel: string;

  constructor(private readonly client: RedisClient) {
    super();
    this.channel = jobEventsChannel(client.prefix);
  }

  /**
   * A packet as Nest's Redis transport frames an event (`{ pattern, data }` on the pattern's channel), on the
   * process's RedisClient: it fails at once while Redis is down, and RedisClient reports the outage once
   * (Nest's ClientRedis would log every reconnect attempt, and give up reconnecting after the first).
   */
  publish(event: JobEvent): void {
    this.client.redis
      .publish(this.channel, JSON.stringify({ pattern: this.channel, data: event }))
      .catch((e: Error) => this.logger.debug(`job event not published: ${e.message}`));
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
