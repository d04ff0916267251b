import type { Job, JobLog } from '@datafactory/persistence';
import type { JobLogResponseDto, JobResponseDto } from './job.dto.js';

export function toJobResponse(job: Job, now = new Date()): JobResponseDto {
  const { urls, ...config } = job.config;
  const started = job.startedAt ?? null;
  const completed = job.completedAt ?? null;
  return {
    id: job.id,
    projectId: job.project.id,
    status: job.status,
    stage: job.stage ?? null,
    progress: job.progress,
    costTotal: Number(job.costTotal),
    costEstimated: Number(job.costEstimated ?? 0),
    error: job.error ?? null,
    urlCount: Array.isArray(urls) ? urls.length : 0,
    refreshOf: job.refreshOf ?? null,
    config,
    createdAt: job.createdAt.toISOString(),
    startedAt: started?.toISOString() ?? null,
    completedAt: completed?.toISOString() ?? null,
    durationMs: started ? Math.max(0, (completed ?? now).getTime() - started.getTime()) : null,
  };
}

export function toJobLogResponse(log: JobLog): JobLogResponseDto {
  return {
    id: log.id,
    level: log.level,
    stage: log.stage ?? null,
    message: log.message,
    context: (log.context ?? null) as Record<string, unknown> | null,
    createdAt: log.createdAt.toISOString(),
  };
}
