import {
  type GenerateItem,
  type InspectItem,
  type LlmGenerationConfig,
  QueueName,
  Stage,
  usesLlm,
} from '@datafactory/contracts';
import {
  GenerationConfigError,
  Generator,
  jobCallBudget,
  LlmFatalError,
  resolveGenerationConfig,
  storeChunkGeneration,
  StructuredOutputSupport,
  TemplateRegistry,
} from '@datafactory/generator';
import { addToJobCounters, Chunk, Job, TrainingExample } from '@datafactory/persistence';
import { UnrecoverableError } from 'bullmq';
import type { StageContext, StageHandler } from '../stage-handlers.js';
import type { StageDeps } from './stage-deps.js';

/**
 * One chunk: the job's template through the job's model, examples stored
 * with their lineage and cost in one transaction with the counters, then
 * handed to the inspector. One Generator per job per process holds the job's
 * concurrency limit; the budget is the job row's (jobCallBudget), shared by
 * every worker: once it has no room left, the chunks still to come end with
 * every example `budget_exhausted` and no call.
 */
export class GenerateHandler implements StageHandler<GenerateItem> {
  readonly queue = QueueName.Generate;
  private readonly generators = new Map<string, { generator: Generator; examplesPerChunk: number | undefined }>();
  private readonly support = new StructuredOutputSupport();
  /** Jobs whose budget stop this process has logged. */
  private readonly budgetLogged = new Set<string>();
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
        },
        { template, examplesPerChunk, signal: ctx.signal },
      );
    } catch (e) {
      // A rejected key does not get better by retrying.
      if (e instanceof LlmFatalError) throw new UnrecoverableError(e.message);
      throw e;
    } finally {
      await release();
    }
    const stored = await storeChunkGeneration(
      em,
      { jobId, chunkId },
      generation,
      { generator: { done: 1 }, inspector: { total: 1 } },
      { costCounted: true },
    );
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

  async fail({ jobId, chunkId }: GenerateItem, error: Error): Promise<void> {
    const counters = await addToJobCounters(this.deps.em.fork(), jobId, { progress: { generator: { failed: 1 } } });
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
        if (e instanceof GenerationConfigError) throw new UnrecoverableError(e.message);
        throw e;
      }
      entry = {
        generator: Generator.fromConfig(config, {
          structuredOutput: this.support,
          budget: jobCallBudget(this.deps.em, jobId, config.maxCostUsd),
        }),
        examplesPerChunk: config.examplesPerChunk,
      };
      this.generators.set(jobId, entry);
      if (this.generators.size > 100) this.generators.delete(this.generators.keys().next().value!);
    }
    return entry;
  }
}
