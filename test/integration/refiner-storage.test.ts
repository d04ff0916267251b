/**
 * Integration: refined pages written through a real MikroORM EntityManager
 * on a migrated SQLite file, checked against the shared dedup index in the
 * database as every worker does. Nothing is faked.
 */
import 'reflect-metadata';
import { MikroORM } from '@mikro-orm/core';
import { ItemStatus } from '@datafactory/contracts';
import { Chunk, createOrmConfig, Job, migrateDatabase, Project, RawDocument } from '@datafactory/persistence';
import { Refiner, SharedChunkIndex, storeRefined } from '@datafactory/refiner';
import { tempDir } from '@datafactory/testing';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const page = (topic: string, extra = '') =>
  `<html><head><title>${topic}</title></head><body><article><h1>${topic}</h1>` +
  Array.from(
    { length: 6 },
    (_, i) =>
      `<h2>Part ${i + 1}</h2><p>${topic} part ${i + 1}: the refiner turns pages into chunks, counts their tokens, ` +
      `detects their language and marks the ones that repeat earlier text so that training data stays varied. ${extra}</p>`,
  ).join('') +
  `</article></body></html>`;

describe('storeRefined with the shared chunk index (SQLite)', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let orm: MikroORM;
  const refiner = new Refiner({ chunk_size: 48 }, { isolate: false });

  beforeAll(async () => {
    dir = await tempDir('df-refiner-db-');
    const db = { driver: 'sqlite' as const, path: path.join(dir.path, 'df.db'), busyTimeoutMs: 10_000 };
    await migrateDatabase(db);
    orm = await MikroORM.init(createOrmConfig(db));
  });
  afterAll(async () => {
    await refiner.close();
    await orm?.close(true);
    await dir.remove();
  });

  it("stores chunks, keeps duplicates with duplicate_of, and another worker's index finds them too", async () => {
    const em = orm.em.fork();
    const project = em.create(Project, { name: 'p' });
    const job = em.create(Job, { project });
    const docs = ['https://a.example/1', 'https://a.example/2', 'https://a.example/3'].map((url) =>
      em.create(RawDocument, { job, url }),
    );
    await em.flush();

    const index = new SharedChunkIndex({ threshold: 0.8 });
    const dedup = { index, scope: index.scope({ jobId: job.id, projectId: project.id, scope: 'job' }) };
    const first = await storeRefined(
      em,
      docs[0]!,
      await refiner.refine({ html: page('Tomatoes'), url: docs[0]!.url }),
      dedup,
    );
    expect(first.chunks).toBeGreaterThan(3);
    expect(first.exactDuplicates + first.nearDuplicates).toBe(0);
    // The same article again (another URL): every chunk is an exact duplicate.
    const second = await storeRefined(
      em,
      docs[1]!,
      await refiner.refine({ html: page('Tomatoes'), url: docs[1]!.url }),
      dedup,
    );
    expect(second.exactDuplicates).toBe(second.chunks);

    const stored = await orm.em.fork().find(Chunk, { document: docs[1]!.id }, { orderBy: { chunkIndex: 'asc' } });
    expect(stored).toHaveLength(second.chunks);
    for (const c of stored) {
      expect(c.duplicateOf).not.toBeNull();
      expect(c.metadata).toMatchObject({ sourceUrl: 'https://a.example/2', dedup: { kind: 'exact' } });
      expect(c.language).toBe('en');
    }
    const doc = await orm.em.fork().findOneOrFail(RawDocument, docs[0]!.id);
    expect(doc.refineStatus).toBe(ItemStatus.Ok);
    expect(doc.language).toBe('en');

    // Another worker (its own index object): the database knows the originals.
    const other = new SharedChunkIndex({ threshold: 0.8 });
    const rebuilt = { index: other, scope: other.scope({ jobId: job.id, projectId: project.id, scope: 'job' }) };
    expect(rebuilt.scope).toEqual(dedup.scope);
    const em2 = orm.em.fork();
    const doc3 = await em2.findOneOrFail(RawDocument, docs[2]!.id);
    const third = await storeRefined(
      em2,
      doc3,
      await refiner.refine({ html: page('Tomatoes', 'Extra.'), url: doc3.url }),
      rebuilt,
    );
    expect(third.nearDuplicates + third.exactDuplicates).toBeGreaterThan(0);
  });

  it('records a skipped page with its reason and no chunks', async () => {
    const em = orm.em.fork();
    const project = em.create(Project, { name: 'q' });
    const job = em.create(Job, { project });
    const doc = em.create(RawDocument, { job, url: 'https://b.example/empty' });
    await em.flush();
    const index = new SharedChunkIndex();
    const scope = index.scope({ jobId: job.id, projectId: project.id, scope: 'job' });
    const result = await storeRefined(em, doc, await refiner.refine({ html: '' }), { index, scope });
    expect(result.chunks).toBe(0);
    const row = await orm.em.fork().findOneOrFail(RawDocument, doc.id);
    expect(row.refineStatus).toBe(ItemStatus.Skipped);
    expect(row.refineError).toBe('empty page');
  });
});
