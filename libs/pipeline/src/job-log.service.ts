import { EntityManager } from '@mikro-orm/core';
import { Injectable, Logger } from '@nestjs/common';
import type { LogLevel, Stage } from '@datafactory/contracts';
import { Job, JobLog } from '@datafactory/persistence';
import { JobEventsPublisher } from './job-events.js';

/**
 * A job's log: each line is stored (job_logs, so it can be read later and
 * replayed to a reconnecting browser) and then published as a `log` event.
 */
@Injectable()
export class JobLogService {
  private readonly logger = new Logger('JobLog');

  constructor(
    private readonly em: EntityManager,
    private readonly events: JobEventsPublisher,
  ) {}

  async log(
    jobId: string,
    level: LogLevel,
    message: string,
    options: { stage?: Stage | null; context?: Record<string, unknown> } = {},
  ): Promise<void> {
    const em = this.em.fork();
    const row = em.create(JobLog, {
      job: em.getReference(Job, jobId),
      level,
      stage: options.stage ?? null,
      message,
      context: options.context ?? null,
    });
    await em.flush();
    this.logger[level === 'error' ? 'error' : level === 'warn' ? 'warn' : level === 'debug' ? 'debug' : 'log'](
      `job ${jobId}: ${message}`,
    );
    this.events.publish({
      type: 'log',
      jobId,
      id: row.id,
      level,
      stage: row.stage ?? null,
      message,
      at: row.createdAt.toISOString(),
    });
  }
}
