import { JobStatus, type ProjectSchedule, QueueName, type ScheduleItem, Stage } from '@datafactory/contracts';
import { Job, Project } from '@datafactory/persistence';
import { createJobRow, createRefreshRow } from '../jobs.service.js';
import type { StageHandler } from '../stage-handlers.js';
import type { StageDeps } from './stage-deps.js';

/**
 * One tick of a project's schedule (BullMQ's job scheduler puts exactly one item per tick in the
 * `schedule` queue, however many API and worker processes run): starts a refresh of the project's
 * latest completed job, or a new job of the schedule's URLs with the project's config, and records
 * the outcome on the project (`lastRunAt`, `lastJobId`, `lastError`). One attempt per tick.
 */
export class ScheduleHandler implements StageHandler<ScheduleItem> {
  readonly queue = QueueName.Schedule;

  constructor(private readonly deps: StageDeps) {}

  async handle({ projectId }: ScheduleItem): Promise<void> {
    const { em, config, dispatcher, logs } = this.deps;
    const project = await em.fork().findOne(Project, { id: projectId }, { fields: ['id', 'schedule'] });
    const schedule = project?.schedule;
    if (!schedule) return;
    const ranAt = new Date().toISOString();
    try {
      let job: Job;
      if (schedule.action === 'refresh') {
        const latest = await em
          .fork()
          .findOne(
            Job,
            { project: projectId, status: JobStatus.Completed },
            { orderBy: { completedAt: 'desc' }, fields: ['id'] },
          );
        if (!latest) throw new Error('the project has no completed job to refresh yet');
        job = await createRefreshRow(em, latest.id);
      } else {
        job = await createJobRow(em, config, projectId, { urls: schedule.urls ?? [] });
      }
      await dispatcher.enqueue(QueueName.Crawl, { jobId: job.id }, `crawl-${job.id}`);
      await logs.log(job.id, 'info', `job started by the project's schedule (${schedule.cron}, ${schedule.timezone})`, {
        stage: Stage.Crawler,
      });
      await this.record(projectId, { lastRunAt: ranAt, lastJobId: job.id, lastError: null });
    } catch (error) {
      await this.record(projectId, { lastRunAt: ranAt, lastError: (error as Error).message });
    }
  }

  async fail(): Promise<void> {
    // handle() records its own failures on the project; nothing is left to count.
  }

  private async record(projectId: string, outcome: Partial<ProjectSchedule>): Promise<void> {
    const em = this.deps.em.fork();
    const project = await em.findOne(Project, { id: projectId });
    // The schedule may have been removed or replaced meanwhile: only the current one is updated.
    if (!project?.schedule) return;
    project.schedule = { ...project.schedule, ...outcome };
    await em.flush();
  }
}
