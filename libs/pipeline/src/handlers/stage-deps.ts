import type { EntityManager } from '@mikro-orm/core';
import type { AppConfig } from '@datafactory/config';
import type { StoredLlmKey } from '@datafactory/persistence';
import type { PipelineCoordinator } from '../coordinator.js';
import type { Dispatcher } from '../dispatcher.js';
import type { JobLogService } from '../job-log.service.js';
import type { LlmSlots } from '../llm-slots.js';

/** What every stage handler needs; the worker module and `datafactory run` build it. */
export interface StageDeps {
  em: EntityManager;
  config: AppConfig;
  coordinator: PipelineCoordinator;
  dispatcher: Dispatcher;
  logs: JobLogService;
  /** Job-wide LLM call slots (Redis across workers; free in one process). */
  llmSlots: LlmSlots;
  /** The OpenAI key saved in Settings, read for each LLM call. */
  llmKey: StoredLlmKey;
}

/** The stored (resolved) config of a job: the job config schema's output plus the URLs. */
export type { StoredJobConfig } from '@datafactory/contracts';
