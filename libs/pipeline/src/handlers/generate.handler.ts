import {
  ExampleStatus,
  type GenerateItem,
  type InspectItem,
  type LlmGenerationConfig,
  QueueName,
  Stage,
  usesLlm,
} from '@datafactory/contracts';
import {
  BudgetExhaustedError,
  GenerationConfigError,
  examplesAsked,
  generationControls,
  Generator,
  LlmFatalError,
  resolveGenerationConfig,
  storeChunkGeneration,
  StructuredOutputSupport,
  TemplateRegistry,
} from '@datafactory/generator';
import { addToJobCounters, Chunk, Job, pickDistractorChunks, TrainingExample } from '@datafactory/persistence';
import { UnrecoverableError } from 'bullmq';
import type { StageContext, StageHandler } from '../stage-handlers.js';
import type { StageDeps } from './stage-deps.js';

/**
 * One chunk: the job's template through the job's model, examples stored
 * with their lineage and cost in one transaction with the counters, then
 * handed to the inspector. One Generator per job per process holds the job's
 * concurrency limit and budget.
 */
export class GenerateHandler implements StageHandler<GenerateItem> {
  readonly queue = QueueName.Generate;
  private readonly generators = new Map<string, { generator: Generator; examplesPerChunk: number | undefined }>();
  private readonly support = new StructuredOutputSupport();
  private registry?: Promise<TemplateRegistry>;

  constructor(private readonly deps: StageDeps) {}

  async handle({ jobId, chunkId }: GenerateItem, ctx: StageContext): Promise<void> {
    const { em, coordinator } = this.deps;
    if (!(await coordinator.isRunning(jobId))) return;
    if ((await em.fork().count(TrainingExample, { chunk: chunkId })) > 0) {
      await this.handOn(jobId, chunkId); // a retry after the write
      return;
    }
    const job = await em.fork().findOneOrFail(Job, { id: jobId });
    const settings = job.config.generation;
    // The refiner hands no chunk on for template "none"; a row that says otherwise cannot be generated.
    if (!usesLlm(settings)) throw new UnrecoverableError(`job ${jobId} has template "none": nothing to generate`);
    const chunk = await em.fork().findOneOrFail(Chunk, { id: chunkId }, { populate: ['document'] });
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
    const release = await this.deps.llmSlots.acquire(jobId, limit, ctx.signal);
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
        { template, examplesPerChunk, signal: ctx.signal },
      );
    } catch (e) {
      // Neither a spent budget nor a rejected key gets better by retrying.
      if (e instanceof BudgetExhaustedError || e instanceof LlmFatalError) throw unrecoverable(e);
      throw e;
    } finally {
      await release();
    }
    const stored = await storeChunkGeneration(em, { jobId, chunkId }, generation, {
      generator: { done: 1 },
      inspector: { total: 1 },
    });
    if (stored.failed) {
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

  async fail({ jobId, chunkId }: GenerateItem, error: Error): Promise<void> {
    await this.recordFailedChunk(jobId, chunkId, error);
    const counters = await addToJobCounters(this.deps.em.fork(), jobId, { progress: { generator: { failed: 1 } } });
    await this.deps.logs.log(jobId, 'error', `generation for chunk ${chunkId} failed: ${error.message}`, {
      stage: Stage.Generator,
    });
    await this.deps.coordinator.afterItem(jobId, counters);
  }

  /**
   * Every example asked of a chunk whose generation failed as a whole (budget
   * spent, key refused, retries used up) is stored as a failed row with the
   * reason, so the job's funnel counts it where it went (asked = ok + failed).
   * Nothing is written when the chunk already has rows.
   */
  private async recordFailedChunk(jobId: string, chunkId: string, error: Error): Promise<void> {
    const em = this.deps.em.fork();
    const job = await em.findOne(Job, { id: jobId }, { fields: ['config'] });
    const settings = job?.config.generation;
    if (!settings || !usesLlm(settings)) return;
    if ((await em.count(TrainingExample, { chunk: chunkId })) > 0) return;
    let templateDefault = 1;
    try {
      templateDefault = (await this.templates()).get(settings.template).spec.examplesPerChunk;
    } catch {
      // An unknown template: one row says why.
    }
    // One per persona when the job lists personas, as the generator asks.
    const count = examplesAsked(
      settings.template_params,
      settings.examples_per_chunk ?? this.generators.get(jobId)?.examplesPerChunk,
      templateDefault,
    );
    const reason = chunkFailureReason(error);
    await em.transactional(async (tx) => {
      if ((await tx.count(TrainingExample, { chunk: chunkId })) > 0) return;
      for (let i = 0; i < count; i++) {
        tx.create(TrainingExample, {
          job: tx.getReference(Job, jobId),
          chunk: tx.getReference(Chunk, chunkId),
          templateType: settings.template,
          modelUsed: settings.model,
          status: ExampleStatus.Failed,
          inputText: '',
          outputText: '',
          error: `${reason}: ${error.message}`,
          rawReply: null,
          tokenCount: 0,
          cost: null,
          lineage: { chunkId, exampleIndex: i, examplesInReply: count, failureReason: reason, calls: 0 },
        });
      }
    });
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

/** The reason code of the examples of a chunk whose generation failed as a whole. */
export function chunkFailureReason(error: Error): string {
  const cause = error.cause ?? error;
  if (cause instanceof BudgetExhaustedError) return 'budget_exhausted';
  if (cause instanceof LlmFatalError) return 'llm_refused';
  if (cause instanceof GenerationConfigError) return 'config_error';
  if (cause instanceof Error && cause.name === 'AbortError') return 'cancelled';
  return 'chunk_failed';
}
