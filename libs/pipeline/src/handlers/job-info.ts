import type { EntityManager } from '@mikro-orm/core';
import { Job } from '@datafactory/persistence';
import type { StoredJobConfig } from './stage-deps.js';

/** What stage items read of their job and what never changes once the job exists. */
export interface JobInfo {
  config: StoredJobConfig;
  projectId: string;
  refreshOf: string | null;
}

/**
 * A job's config, project and parent, read once per process rather than once
 * per item (a job's row is read for every page and chunk otherwise; the config
 * is fixed when the job is created). Whether the job still runs is not cached:
 * handlers ask the coordinator for every item.
 */
export class JobInfoCache {
  private readonly entries = new Map<string, JobInfo>();

  constructor(
    private readonly em: EntityManager,
    private readonly size = 64,
  ) {}

  async get(jobId: string): Promise<JobInfo> {
    const hit = this.entries.get(jobId);
    if (hit) return hit;
    const job = await this.em.fork().findOneOrFail(Job, { id: jobId }, { fields: ['config', 'project', 'refreshOf'] });
    const info: JobInfo = { config: job.config, projectId: job.project.id, refreshOf: job.refreshOf ?? null };
    if (this.entries.size >= this.size) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(jobId, info);
    return info;
  }
}
