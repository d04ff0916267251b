import { type ExportItem, JobStatus, NO_TEMPLATE, QueueName, Stage } from '@datafactory/contracts';
import { exportJob } from '@datafactory/exporter';
import { addToJobCounters, Job, StoredHubToken } from '@datafactory/persistence';
import { explainBudgetStop, explainEmptyExport } from '../outcome.js';
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
    await addToJobCounters(em.fork(), jobId, { progress: { exporter: { total: 1, done: 1 } } });
    await logs.log(
      jobId,
      'info',
      `exported ${result.recordCount} ${job.config.generation.template === NO_TEMPLATE ? 'chunk(s) as a text corpus' : 'example(s)'} as ${result.format}: ${result.relativeDirectory}`,
      { stage: Stage.Exporter, context: { exportId: result.exportId, version: result.version } },
    );
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

  async fail({ jobId }: ExportItem, error: Error): Promise<void> {
    await addToJobCounters(this.deps.em.fork(), jobId, { progress: { exporter: { total: 1, failed: 1 } } });
    // The examples stay; a new export can be made from the API once the cause is fixed.
    await this.deps.coordinator.finish(jobId, JobStatus.Failed, `export failed: ${error.message}`);
  }
}
