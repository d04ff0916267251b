import type { EntityManager } from '@mikro-orm/core';
import { type JobFunnel, usesLlm } from '@datafactory/contracts';
import { TemplateRegistry } from '@datafactory/generator';
import { type FunnelOptions, FunnelRepository, Job } from '@datafactory/persistence';

/**
 * Examples asked per chunk for a job: its `examples_per_chunk`, else its
 * template's default (built-in or DATA_DIR/templates); null for template
 * none, or when the template is gone.
 */
export async function examplesPerChunkOf(em: EntityManager, jobId: string, dataDir: string): Promise<number | null> {
  const job = await em.fork().findOne(Job, { id: jobId }, { fields: ['config'] });
  const generation = job?.config.generation;
  if (!generation || !usesLlm(generation)) return null;
  if (generation.examples_per_chunk) return generation.examples_per_chunk;
  try {
    return (await TemplateRegistry.load({ dataDir })).get(generation.template).spec.examplesPerChunk;
  } catch {
    return null;
  }
}

/** The job's funnel (where every row went), or null when there is no such job. */
export async function loadJobFunnel(
  em: EntityManager,
  jobId: string,
  options: { dataDir: string } & Omit<FunnelOptions, 'examplesPerChunk'>,
): Promise<JobFunnel | null> {
  const { dataDir, ...rest } = options;
  const examplesPerChunk = await examplesPerChunkOf(em, jobId, dataDir);
  return new FunnelRepository(em).funnel(jobId, { ...rest, examplesPerChunk });
}
