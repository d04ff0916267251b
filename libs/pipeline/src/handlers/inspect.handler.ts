import { type InspectItem, QueueName, Stage, usesLlm } from '@datafactory/contracts';
import {
  costOf,
  DEFAULT_PRICING,
  findPrice,
  jobCallLedger,
  LlmClient,
  reserveThrough,
  resolveGenerationConfig,
  TemplateRegistry,
} from '@datafactory/generator';
import {
  Inspector,
  LlmGroundedJudge,
  LlmJudge,
  loadChunkExamplesToInspect,
  modelCacheDir,
  type QualityConfig,
  saveInspectionResults,
  SharedExampleIndex,
} from '@datafactory/inspector';
import { addToJobCounters, Job } from '@datafactory/persistence';
import { KeyedMutex } from './keyed-mutex.js';
import type { StageContext, StageHandler } from '../stage-handlers.js';
import type { StageDeps, StoredJobConfig } from './stage-deps.js';

/**
 * The examples of one chunk: every enabled check, the composite score and
 * `passed`, stored on the rows. One Inspector per job per process; its
 * near-duplicate index is the job's shared one in the database
 * (SharedExampleIndex), which every worker reads and adds to under the
 * scope's lock. A job's batches run one at a time in the process.
 */
export class InspectHandler implements StageHandler<InspectItem> {
  readonly queue = QueueName.Inspect;
  private readonly inspectors = new Map<string, Promise<Inspector>>();
  private readonly lock = new KeyedMutex();
  private registry?: Promise<TemplateRegistry>;

  constructor(private readonly deps: StageDeps) {}

  async handle({ jobId, chunkId }: InspectItem, ctx: StageContext): Promise<void> {
    const { em, coordinator } = this.deps;
    if (!(await coordinator.isRunning(jobId))) return;
    const counters = await this.lock.run(jobId, async () => {
      const inspector = await this.inspector(jobId);
      const examples = await loadChunkExamplesToInspect(em, jobId, chunkId);
      ctx.signal.throwIfAborted();
      const results = examples.length ? await inspector.inspect(examples) : [];
      // The results and this item's count in one transaction. The judge's calls cost like generation's: each
      // was counted in the job's cost through its ledger.
      return saveInspectionResults(em, results, { jobId, progress: { inspector: { done: 1 } } });
    });
    await coordinator.afterItem(jobId, counters);
  }

  async fail({ jobId, chunkId }: InspectItem, error: Error): Promise<void> {
    const counters = await addToJobCounters(this.deps.em.fork(), jobId, { progress: { inspector: { failed: 1 } } });
    await this.deps.logs.log(jobId, 'error', `inspecting the examples of chunk ${chunkId} failed: ${error.message}`, {
      stage: Stage.Inspector,
    });
    await this.deps.coordinator.afterItem(jobId, counters);
  }

  private inspector(jobId: string): Promise<Inspector> {
    let inspector = this.inspectors.get(jobId);
    if (!inspector) {
      inspector = this.createInspector(jobId);
      this.inspectors.set(jobId, inspector);
      inspector.catch(() => this.inspectors.delete(jobId));
      if (this.inspectors.size > 100) this.inspectors.delete(this.inspectors.keys().next().value!);
    }
    return inspector;
  }

  private async createInspector(jobId: string): Promise<Inspector> {
    const { em, config } = this.deps;
    const job = await em.fork().findOneOrFail(Job, { id: jobId });
    const jobConfig = job.config;
    const quality = jobConfig.quality;
    // In the database: examples inspected by other workers are compared too.
    const duplicates = new SharedExampleIndex(em, { jobId, threshold: quality.duplicates.threshold });
    this.registry ??= TemplateRegistry.load({ dataDir: config.dataDir });
    const registry = await this.registry;
    return new Inspector({
      config: quality,
      duplicates,
      schemas: (type) => {
        try {
          return registry.get(type).spec.schema;
        } catch {
          return null;
        }
      },
      toxicity: { cacheDir: modelCacheDir(config.dataDir), allowDownload: true, hubUrl: config.models.hubUrl },
      judge: quality.checks.includes('judge') ? await this.judge(jobId, jobConfig, quality) : undefined,
      groundedJudge: await this.groundedJudge(jobId, jobConfig, quality),
    });
  }

  /** The optional LLM judge, on the job's endpoint; without one the check reports `unavailable`. */
  private async judge(
    jobId: string,
    jobConfig: StoredJobConfig,
    quality: QualityConfig,
  ): Promise<LlmJudge | undefined> {
    const llm = await this.judgeLlm(jobId, jobConfig);
    if (!llm) return undefined;
    return new LlmJudge({
      client: llm.client,
      model: quality.judge.model ?? llm.model,
      minScore: quality.judge.min_score,
      price: llm.price,
      reserve: reserveThrough(llm.ledger, 'judge', llm.price),
    });
  }

  /**
   * The grounded check's LLM level: only with the check on, `grounded.use_judge` and a `judge.model` named (a
   * stored null is no model here: the grounded check never calls a model the job did not name).
   */
  private async groundedJudge(
    jobId: string,
    jobConfig: StoredJobConfig,
    quality: QualityConfig,
  ): Promise<LlmGroundedJudge | undefined> {
    const model = quality.judge.model;
    if (!quality.checks.includes('grounded') || !quality.grounded.use_judge || model === null) return undefined;
    const llm = await this.judgeLlm(jobId, jobConfig);
    if (!llm) return undefined;
    return new LlmGroundedJudge({
      client: llm.client,
      model,
      price: llm.price,
      reserve: reserveThrough(llm.ledger, 'judge', llm.price),
    });
  }

  /** The job's LLM endpoint for judging, its pricing and its budget ledger; undefined when none is configured. */
  private async judgeLlm(jobId: string, jobConfig: StoredJobConfig) {
    const key = this.deps.llmKey;
    const storedKey = { present: await key.present(), read: key.read };
    if (
      !usesLlm(jobConfig.generation) &&
      !this.deps.config.llm.apiKey &&
      !this.deps.config.llm.baseUrl &&
      !storedKey.present
    ) {
      return undefined;
    }
    // The job's own endpoint and settings; a job without the LLM judges with the operator's defaults.
    const { template: _template, ...settings } = usesLlm(jobConfig.generation) ? jobConfig.generation : {};
    const generation = resolveGenerationConfig(settings, this.deps.config, storedKey);
    const client = new LlmClient(generation.connection, {
      requestTimeoutMs: generation.requestTimeoutMs,
      maxRetries: generation.maxRetries,
    });
    // The judge's calls go through the job's ledger like generation's: counted before they are made, and
    // made only if the same budget has room.
    const ledger = jobCallLedger(this.deps.em, jobId, generation.maxCostUsd);
    const price = (model: string, usage: { promptTokens: number; completionTokens: number }) =>
      costOf(findPrice(DEFAULT_PRICING, model), { ...usage, cachedPromptTokens: 0 });
    return { client: client.openai, model: generation.model, price, ledger };
  }
}
