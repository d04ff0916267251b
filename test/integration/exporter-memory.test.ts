/**
 * An export of 100,000 examples keeps memory flat: the live heap (measured
 * after a full collection at every page) grows by a small, bounded amount
 * (a page, stream buffers, one Parquet row group), far below the size of the
 * data (about 120 MB of JSONL). Real SQLite and PostgreSQL; the rows go in through
 * multi-row inserts. Asserts on memory with a generous margin, never on time.
 */
import { statSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportJob } from '@datafactory/exporter';
import { tempDir } from '@datafactory/testing';
import { bulkInsertExamples, type Driver, openTestDatabase, type TestDatabase } from './exporter-helpers.js';

const COUNT = 100_000;
const MB = 1024 * 1024;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe.each(['sqlite', 'postgresql'] as Driver[])('an export of 100,000 examples on %s', (driver) => {
  let t: TestDatabase;
  let dataDir: { path: string; remove: () => Promise<void> };
  let jobId: string;

  beforeAll(async () => {
    t = await openTestDatabase(driver);
    dataDir = await tempDir('df-exporter-memory-');
    ({ jobId } = await bulkInsertExamples(t.orm.em, COUNT, { textBytes: 1_000 }));
  }, 300_000);

  afterAll(async () => {
    await t?.close();
    await dataDir?.remove();
  });

  for (const format of ['jsonl', 'parquet'] as const) {
    it(`keeps the heap flat while writing ${format}`, { timeout: 300_000 }, async () => {
      gc();
      const baseline = process.memoryUsage().heapUsed;
      let peak = baseline;
      const result = await exportJob(
        t.orm.em,
        jobId,
        { format },
        {
          dataDir: dataDir.path,
          // What the export holds on to, page after page: the heap after a full collection.
          onProgress: () => {
            gc();
            peak = Math.max(peak, process.memoryUsage().heapUsed);
          },
        },
      );
      expect(result.recordCount).toBe(COUNT);
      const bytes = statSync(result.files[0]!.path).size;
      const growth = peak - baseline;
      console.log(
        `${driver} ${format}: file ${(bytes / MB).toFixed(1)} MB, heap growth ${(growth / MB).toFixed(1)} MB`,
      );
      // Holding the examples at once would take more than the JSONL file (~120 MB); a page at a time takes a few MB.
      expect(growth).toBeLessThan(48 * MB);
    });
  }
});
