import { type ExportItem, JobStatus, NO_TEMPLATE, QueueName, Stage } from '@datafactory/contracts';
import { exportJob } from '@datafactory/exporter';
import { completeRagDistractors, TemplateRegistry } from '@datafactory/generator';
import { countJob, Job, StoredHubToken } from '@datafactory/persistence';
import { explainBudgetStop, explainEmptyExport } from '../outcome.js';
import { emitWebhookEvent } from '../webhook-emitter.js';
import { examplesPerChunkOf } from '../funnel.js';
import type { StageContext, StageHandler } from '../stage-handlers.js';
import type { StageDeps } from './stage-deps.js';

/** Once every item is settled: the dataset (passed examples) as a new export version, then the job is completed. */
export class ExportHandler implements StageHandler<ExportItem> {
  readonly queue = QueueName.Export;

  constructor(private readonly deps: StageDeps) {}

  async handle({ jobId }: ExportItem, ctx: StageContext): Promise<void> {
    const { em, config, coordinator, logs } = this.deps;
    const job = await em.fork().findOneOrFail(Job, { id: jobId });
    if (job.status !== JobStatus.Running) return;
    await this.completeDistractors(jobId, job.config.generation.template);
    const result = await exportJob(em, jobId, job.config.export, {
      dataDir: config.dataDir,
      signal: ctx.signal,
      secrets: [
        config.llm.apiKey,
        await this.deps.llmKey.read(),
        config.hub.token,
        await StoredHubToken.inDataDir(config.dataDir).read(),
      ],
      examplesPerChunk: await examplesPerChunkOf(em, jobId, config.dataDir),
    });
    await countJob(em.fork(), jobId, { progress: { exporter: { total: 1, done: 1 } } });
    await logs.log(
      jobId,
      'info',
      `exported ${result.recordCount} ${job.config.generation.template === NO_TEMPLATE ? 'chunk(s) as a text corpus' : 'example(s)'} as ${result.format}: ${result.relativeDirectory}`,
      { stage: Stage.Exporter, context: { exportId: result.exportId, version: result.version } },
    );
    await emitWebhookEvent(em, this.deps.dispatcher, job.project.id, 'export.created', {
      jobId,
      exportId: result.exportId,
      version: result.version,
      format: result.format,
      recordCount: result.recordCount,
      links: { export: `/api/exports/${result.exportId}`, download: `/api/exports/${result.exportId}/download` },
    });
    if (result.recordCount === 0) {
      // A job that exports nothing did not succeed: it says why in one sentence (its empty export is kept).
      await coordinator.finish(
        jobId,
        JobStatus.Failed,
        await explainEmptyExport(em, jobId, job.config.generation.template),
      );
      return;
    }
    // A job cut short by its budget is completed, with the loss said in its final log line.
    await coordinator.finish(jobId, JobStatus.Completed, null, await explainBudgetStop(em, jobId));
  }

  /**
   * rag: examples generated before enough chunks of other documents were stored get their distractors now that
   * every chunk is (the job's items are all settled when the export runs).
   */
  private async completeDistractors(jobId: string, template: string): Promise<void> {
    if (template === NO_TEMPLATE) return;
    let retrieval: boolean;
    try {
      const registry = await TemplateRegistry.load({ dataDir: this.deps.config.dataDir });
      retrieval = registry.get(template).spec.retrieval === true;
    } catch {
      return; // a template that cannot be read generated nothing to complete
    }
    if (!retrieval) return;
    const done = await completeRagDistractors(this.deps.em, jobId);
    if (done.short === 0) return;
    await this.deps.logs.log(
      jobId,
      done.stillShort ? 'warn' : 'info',
      `${done.short} rag example(s) had fewer distractor chunks than asked when generated; ${done.completed} got more at export` +
        (done.stillShort
          ? `, ${done.stillShort} still have fewer (the job has too few chunks of other documents)`
          : ''),
      { stage: Stage.Exporter, context: { ...done } },
    );
  }

  async fail({ jobId }: ExportItem, error: Error): Promise<void> {
    await countJob(this.deps.em.fork(), jobId, { progress: { exporter: { total: 1, failed: 1 } } });
    // The examples stay; a new export can be made from the API once the cause is fixed.
    await this.deps.coordinator.finish(jobId, JobStatus.Failed, `export failed: ${error.message}`);
  }
}
