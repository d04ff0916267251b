import type { EntityManager } from '@mikro-orm/core';
import { Export } from '@datafactory/persistence';
import type { ExportConfig } from './config.js';

/** The `exports` row of a written version folder; returns its id. */
export async function recordExport(
  em: EntityManager,
  e: {
    jobId: string;
    format: ExportConfig['format'];
    relativeDir: string;
    records: number;
    version: string;
    card: string;
  },
): Promise<string> {
  const row = em.create(Export, {
    job: e.jobId,
    format: e.format,
    filePath: e.relativeDir,
    recordCount: e.records,
    version: e.version,
    datasetCard: e.card,
  });
  await em.flush();
  return row.id;
}
