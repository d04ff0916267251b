import {
  GENERATION_DEFAULTS,
  type GenerateItem,
  type InspectItem,
  type LlmGenerationConfig,
  QueueName,
  Stage,
  usesLlm,
} from '@datafactory/contracts';
import {
  BudgetExhaustedError,
  type FailureReason,
  GenerationConfigError,
  examplesAsked,
  generationControls,
  Generator,
  jobCallLedger,
  LlmFatalError,
  resolveGenerationConfig,
  storeChunkFailure,
  storeChunkGeneration,
  StructuredOutputSupport,
  TemplateRegistry,
} from '@datafactory/generator';
import { Job, pickDistractorChunks, StageReadRepository } from '@datafactory/persistence';
import { UnrecoverableError } from 'bullmq';
import type { StageContext, StageHandler } from '../stage-handlers.js';
import { JobInfoCache } from './job-info.js';
import type { StageDeps } from './stage-deps.js';

/** A chunk no retry can generate, with the reason its examples fail with. */
class ChunkNotGeneratedError extends UnrecoverableError {
  constructor(
    readonly reason: FailureReason,
    message: string,
  ) {
    super(message);
  }
}

/**
 * One chunk: the job's template through the job's model, examples stored
 * with their lineage and cost in one transaction with the counters, then
 * handed to the inspector. One Generator per job per process holds the job's
 * concurrency limit; every call goes through the job's ledger
 * (jobCallLedger), which is its budget too, shared by every worker: once it
 * has no room left, the chunks still to come end with every example
 * `budget_exhausted` and no call.
 */
export class GenerateHandler implements StageHandler<GenerateItem> {
  readonly queue = QueueName.Generate;
  private readonly generators = new Map<string, { generator: Generator; examplesPerChunk: number | undefined }>();
  private readonly support = new StructuredOutputSupport();
  /** Jobs whose budget stop this process has logged. */
  private readonly budgetLogged = new Set<string>();
  private registry?: Promise<TemplateRegistry>;

  private readonly jobs: JobInfoCache;

  constructor(private readonly deps: StageDeps) {
    this.jobs = new JobInfoCache(deps.em);
  }

  async handle({ jobId, chunkId }: GenerateItem, ctx: StageContext): Promise<void> {
    const { em, coordinator } = this.deps;
    if (!(await coordinator.isRunning(jobId))) return;
    // The chunk, its document and whether it has examples already, in one statement.
    const chunk = await new StageReadRepository(em).chunkToGenerate(chunkId);
    if (!chunk) throw new UnrecoverableError(`chunk ${chunkId} not found`);
    if (chunk.hasExamples) {
      await this.handOn(jobId, chunkId); // a retry after the write
      return;
    }
    const settings = (await this.jobs.get(jobId)).config.generation;
    // The refiner hands no chunk on for template "none"; a row that says otherwise cannot be generated.
    if (!usesLlm(settings)) throw new UnrecoverableError(`job ${jobId} has template "none": nothing to generate`);
    const template = (await this.templates()).get(settings.template);
    const { generator, examplesPerChunk } = await this.generator(jobId, settings);
    // rag: chunks of the job's other documents, picked by a hash of this chunk's id.
    const distractors = template.spec.retrieval
      ? await pickDistractorChunks(em, {
          jobId,
          chunkId,
          documentId: chunk.document.id,
          count: generationControls(settings.template_params).distractors,
        })
      : undefined;
    const limit = settings.max_concurrent_llm;
    let generation;
    try {
      generation = await generator.generate(
        {
          id: chunk.id,
          text: chunk.content,
          index: chunk.chunkIndex,
          tokenCount: chunk.tokenCount,
          language: chunk.language,
          metadata: chunk.metadata,
          document: {
            id: chunk.document.id,
            url: chunk.document.finalUrl ?? chunk.document.url,
            title: chunk.document.title,
            language: chunk.document.language,
          },
          distractors,
        },
        // Every call is counted into the job's cost before it is made (one lost with this process still counts),
        // and only if the job's budget has room for it.
        {
          template,
          examplesPerChunk,
          signal: ctx.signal,
          ledger: jobCallLedger(em, jobId, settings.max_cost_usd ?? null),
          // The job's limit across workers, held around each request only.
          slot: (signal) => this.deps.llmSlots.acquire(jobId, limit, signal ?? ctx.signal),
        },
      );
    } catch (e) {
      // Neither a spent budget nor a rejected key gets better by retrying (a budget refusal is no error: the
      // generation comes back with its examples budget_exhausted).
      if (e instanceof BudgetExhaustedError) throw new ChunkNotGeneratedError('budget_exhausted', e.message);
      if (e instanceof LlmFatalError) throw new ChunkNotGeneratedError('request_failed', e.message);
      throw e;
    }
    const stored = await storeChunkGeneration(em, { jobId, chunkId }, generation, {
      generator: { done: 1 },
      inspector: { total: 1 },
    });
    const refusal = generation.examples.find((e) => e.lineage.failureReason === 'budget_exhausted');
    if (refusal && !this.budgetLogged.has(jobId)) {
      this.budgetLogged.add(jobId);
      if (this.budgetLogged.size > 100) this.budgetLogged.delete(this.budgetLogged.values().next().value!);
      await this.deps.logs.log(
        jobId,
        'warn',
        `${refusal.error!.replace(/^budget_exhausted: /, '')}; the chunks still to generate end budget_exhausted`,
        { stage: Stage.Generator, context: { maxCostUsd: settings.max_cost_usd } },
      );
    }
    if (stored.failed && !refusal) {
      await this.deps.logs.log(
        jobId,
        'warn',
        `${stored.failed} example(s) of chunk ${chunkId} failed; their replies are kept`,
        {
          stage: Stage.Generator,
        },
      );
    }
    await this.handOn(jobId, chunkId);
    await coordinator.afterItem(jobId, stored.counters);
  }

  /**
   * The chunk's item failed for good: its examples asked for are stored as
   * failed with the reason (asked = ok + failed holds for it too), in one
   * transaction with the generator's failed counter.
   */
  async fail({ jobId, chunkId }: GenerateItem, error: Error): Promise<void> {
    const { em } = this.deps;
    const job = await em.fork().findOne(Job, { id: jobId }, { fields: ['config'] });
    const settings = job?.config.generation;
    let count = 0;
    let templateHash: string | null = null;
    if (settings && usesLlm(settings)) {
      let templateDefault: number = GENERATION_DEFAULTS.examplesPerChunk;
      try {
        const template = (await this.templates()).get(settings.template);
        templateDefault = template.spec.examplesPerChunk;
        templateHash = template.hash;
      } catch {
        // A template that cannot be read: the job's own count (or the default) is what was asked.
      }
      // One per persona when the job lists personas, as the generator asks.
      count = examplesAsked(settings.template_params ?? {}, settings.examples_per_chunk ?? undefined, templateDefault);
    }
    const reason = error instanceof ChunkNotGeneratedError ? error.reason : 'generation_failed';
    const { counters } = await storeChunkFailure(
      em,
      { jobId, chunkId },
      {
        count,
        reason,
        error: error.message,
        templateType: settings?.template ?? 'unknown',
        templateHash,
        model: settings && usesLlm(settings) ? settings.model : 'unknown',
      },
      { generator: { failed: 1 } },
    );
    await this.deps.logs.log(jobId, 'error', `generation for chunk ${chunkId} failed: ${error.message}`, {
      stage: Stage.Generator,
    });
    await this.deps.coordinator.afterItem(jobId, counters);
  }

  private async handOn(jobId: string, chunkId: string): Promise<void> {
    await this.deps.dispatcher.enqueue(
      QueueName.Inspect,
      { jobId, chunkId } satisfies InspectItem,
      `inspect-${chunkId}`,
    );
  }

  private templates(): Promise<TemplateRegistry> {
    this.registry ??= TemplateRegistry.load({ dataDir: this.deps.config.dataDir });
    return this.registry;
  }

  private async generator(
    jobId: string,
    generation: LlmGenerationConfig,
  ): Promise<{ generator: Generator; examplesPerChunk: number | undefined }> {
    let entry = this.generators.get(jobId);
    if (!entry) {
      const key = this.deps.llmKey;
      let config;
      try {
        // The stored section parses to itself; it is parsed again only to check it against this
        // worker's operator settings (the endpoint must be one it allows) and to connect to it.
        config = resolveGenerationConfig(generation, this.deps.config, {
          present: await key.present(),
          read: key.read,
        });
      } catch (e) {
        if (e instanceof GenerationConfigError) throw unrecoverable(e);
        throw e;
      }
      // Another item of the job may have made it while this one awaited the key: one Generator per job,
      // or each would hold a budget and a concurrency limit of its own.
      const made = this.generators.get(jobId);
      if (made) return made;
      entry = {
        generator: Generator.fromConfig(config, { structuredOutput: this.support }),
        examplesPerChunk: config.examplesPerChunk,
      };
      this.generators.set(jobId, entry);
      if (this.generators.size > 100) this.generators.delete(this.generators.keys().next().value!);
    }
    return entry;
  }
}

/** A final error that keeps what caused it, for the reason code of the chunk's failed examples. */
function unrecoverable(cause: Error): UnrecoverableError {
  return Object.assign(new UnrecoverableError(cause.message), { cause });
}
