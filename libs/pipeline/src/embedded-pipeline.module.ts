import { EntityManager } from '@mikro-orm/core';
import { Global, Inject, Logger, Module, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@datafactory/config';
import { JobStatus } from '@datafactory/contracts';
import { JobRepository } from '@datafactory/persistence';
import { Dispatcher } from './dispatcher.js';
import { createStageHandlers, type StageHandlerSet } from './handlers/index.js';
import { JobEventsPublisher, LocalJobEventsPublisher } from './job-events.js';
import { JobLogService } from './job-log.service.js';
import { JobsService } from './jobs.service.js';
import { IN_PROCESS_CONCURRENCY, LocalDispatcher } from './local-dispatcher.js';
import { PIPELINE_MODE } from './pipeline-mode.js';

interface EmbeddedPipeline {
  dispatcher: LocalDispatcher;
  set: StageHandlerSet;
}

const EMBEDDED_PIPELINE = Symbol('EMBEDDED_PIPELINE');

/** What a job that was still running when an embedded server stopped ends with (its queue was in memory). */
export const EMBEDDED_INTERRUPTED =
  'interrupted: the server stopped while the job ran (embedded mode keeps its queue in memory); start it again';

/**
 * The embedded runtime, in place of QueuesModule + JobsModule: the API's
 * JobsService over the in-process dispatcher of `datafactory run`, the
 * stage handlers in this process, and job events published to this
 * process only. No Redis.
 */
@Global()
@Module({
  providers: [
    LocalJobEventsPublisher,
    { provide: JobEventsPublisher, useExisting: LocalJobEventsPublisher },
    JobLogService,
    {
      provide: EMBEDDED_PIPELINE,
      inject: [EntityManager, APP_CONFIG, JobEventsPublisher, JobLogService],
      useFactory: (em: EntityManager, config: AppConfig, events: JobEventsPublisher, logs: JobLogService) => {
        const dispatcher = new LocalDispatcher(IN_PROCESS_CONCURRENCY);
        const set = createStageHandlers({ em, config, events, dispatcher, logs });
        dispatcher.register(set.handlers);
        return { dispatcher, set } satisfies EmbeddedPipeline;
      },
    },
    { provide: Dispatcher, inject: [EMBEDDED_PIPELINE], useFactory: (p: EmbeddedPipeline) => p.dispatcher },
    JobsService,
    { provide: PIPELINE_MODE, useValue: 'embedded' },
  ],
  exports: [JobsService, JobLogService, JobEventsPublisher, Dispatcher, PIPELINE_MODE],
})
export class EmbeddedPipelineModule implements OnModuleDestroy {
  private readonly logger = new Logger('Embedded');

  constructor(
    @Inject(EMBEDDED_PIPELINE) private readonly pipeline: EmbeddedPipeline,
    private readonly em: EntityManager,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Jobs with items still queued end `failed` first (no other process will take them up), then the
   * in-flight items are aborted and, within SHUTDOWN_TIMEOUT_MS, settle; then the handlers' browsers go.
   * onModuleDestroy, not onApplicationShutdown: the database is still open then.
   */
  async onModuleDestroy(): Promise<void> {
    const { dispatcher, set } = this.pipeline;
    const jobs = new JobRepository(this.em);
    for (const jobId of dispatcher.busyJobs()) {
      if (await jobs.finishRunning(jobId, JobStatus.Failed, EMBEDDED_INTERRUPTED)) {
        this.logger.warn(`job ${jobId}: ${EMBEDDED_INTERRUPTED}`);
      }
    }
    dispatcher.abort(new Error('the server is stopping'));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>(
      (resolve) => (timer = setTimeout(resolve, this.config.worker.shutdownTimeoutMs)),
    );
    await Promise.race([dispatcher.idle(), deadline]);
    clearTimeout(timer);
    await set.close();
  }
}
