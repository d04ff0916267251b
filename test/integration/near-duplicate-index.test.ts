/**
 * Integration: the shared near-duplicate index (dedup_bands) on a migrated
 * SQLite file and on a PostgreSQL schema of its own (dropped afterwards):
 * chunks through storeRefined with SharedChunkIndex, examples through
 * SharedExampleIndex, each "worker" with its own ORM (connection pool).
 * Nothing is faked.
 */
import 'reflect-metadata';
import { MikroORM } from '@mikro-orm/core';
import type { DatabaseConfig } from '@datafactory/config';
import { SharedExampleIndex } from '@datafactory/inspector';
import {
  Chunk,
  createOrmConfig,
  DedupBand,
  Job,
  migrateDatabase,
  lockKeys,
  MAX_KEY_LOCKS,
  NearDuplicateRepository,
  Project,
  RawDocument,
  TrainingExample,
} from '@datafactory/persistence';
import { type RefinedDocument, SharedChunkIndex, storeRefined } from '@datafactory/refiner';
import { dropPostgresSchema, tempDir, TEST_POSTGRES_URL, uniqueSchema } from '@datafactory/testing';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Seeded texts of made-up words: distinct from each other (Jaccard of shingles near 0). */
function texts(count: number, words = 120, seed = 42): string[] {
  let s = seed;
  const random = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const syllables = 'ka lo mi re su ta ne po vi da ze fu gi ho ja'.split(' ');
  const word = () =>
    Array.from({ length: 2 + Math.floor(random() * 3) }, () => syllables[Math.floor(random() * 15)]).join('');
  return Array.from({ length: count }, () => Array.from({ length: words }, word).join(' '));
}

/** `n` words of `text` replaced: 2 of 120 keeps the 3-word-shingle Jaccard near 0.9. */
function edit(text: string, n: number): string {
  const words = text.split(' ');
  for (let i = 0; i < n; i++) words[(7 + i * 53) % words.length] = `edited${i}`;
  return words.join(' ');
}

function refined(contents: string[]): RefinedDocument {
  return {
    status: 'ok',
    reason: null,
    title: null,
    byline: null,
    publishedAt: null,
    language: null,
    words: 0,
    text: contents.join('\n\n'),
    method: 'readability',
    elapsedMs: 0,
    quality: null,
    pii: {},
    chunks: contents.map((content, index) => ({
      content,
      tokenCount: 100,
      index,
      headingPath: [],
      start: 0,
      end: content.length,
      overlapChars: 0,
      language: null,
      sourceUrl: null,
    })),
  };
}

interface Target {
  name: 'sqlite' | 'postgresql';
  open(): Promise<{ db: DatabaseConfig; cleanup: () => Promise<void> }>;
}

const TARGETS: Target[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = await tempDir('df-dedup-index-');
      return {
        db: { driver: 'sqlite', path: path.join(dir.path, 'df.db'), busyTimeoutMs: 10_000 },
        cleanup: dir.remove,
      };
    },
  },
  {
    name: 'postgresql',
    async open() {
      const schema = uniqueSchema();
      return {
        db: { driver: 'postgresql', url: TEST_POSTGRES_URL, schema },
        cleanup: () => dropPostgresSchema(TEST_POSTGRES_URL, schema),
      };
    },
  },
];

describe.each(TARGETS)('the shared near-duplicate index ($name)', (target) => {
  let cleanup: () => Promise<void>;
  /** Two "workers": each its own ORM and connections. */
  let orms: MikroORM[];
  const index = new SharedChunkIndex({ threshold: 0.8 });

  beforeAll(async () => {
    const opened = await target.open();
    cleanup = opened.cleanup;
    await migrateDatabase(opened.db);
    orms = [await MikroORM.init(createOrmConfig(opened.db)), await MikroORM.init(createOrmConfig(opened.db))];
  });
  afterAll(async () => {
    for (const orm of orms ?? []) await orm.close(true);
    await cleanup?.();
  });

  async function newJob(project?: Project): Promise<{ job: Job; project: Project }> {
    const em = orms[0]!.em.fork();
    const p = project ? em.getReference(Project, project.id) : em.create(Project, { name: 'p' });
    const job = em.create(Job, { project: p });
    await em.flush();
    return { job, project: p };
  }

  /** One document, one chunk and a generated example per (input, output) pair of `qa`, for the example index. */
  async function exampleRows(job: Job, qa: string[][]): Promise<TrainingExample[]> {
    const em = orms[0]!.em.fork();
    const doc = em.create(RawDocument, {
      job: em.getReference(Job, job.id),
      url: `https://x.example/${Math.random()}`,
    });
    const chunk = em.create(Chunk, { document: doc, job: doc.job, content: 'c', tokenCount: 1, chunkIndex: 0 });
    const rows = qa.map(([inputText, outputText]) =>
      em.create(TrainingExample, {
        chunk,
        job: doc.job,
        templateType: 'qa',
        inputText: inputText!,
        outputText: outputText!,
        modelUsed: 'm',
      }),
    );
    await em.flush();
    return rows;
  }

  /** Stores one document with these chunk texts through worker `w`, in a locked transaction as the handler does. */
  async function store(
    w: number,
    job: Job,
    projectId: string,
    scope: 'job' | 'project',
    contents: string[],
    /** Held open (locks taken, rows written) until this settles. */
    hold?: Promise<void>,
  ) {
    const em = orms[w]!.em.fork();
    const doc = em.create(RawDocument, {
      job: em.getReference(Job, job.id),
      url: `https://x.example/${Math.random()}`,
    });
    await em.flush();
    const dedupScope = index.scope({ jobId: job.id, projectId, scope });
    const prepared = contents.map((c) => index.prepare(c));
    await em.transactional(async (tx) => {
      const fresh = await tx.findOneOrFail(RawDocument, { id: doc.id });
      await new NearDuplicateRepository(tx).lock(dedupScope, {
        bands: prepared.map((p) => p.bands),
        hashes: prepared.map((p) => p.contentHash),
      });
      await storeRefined(tx, fresh, refined(contents), { index, scope: dedupScope, prepared });
      await hold;
    });
    return orms[0]!.em
      .fork()
      .find(Chunk, { document: doc.id }, { orderBy: { chunkIndex: 'asc' }, populate: ['duplicateOf'] });
  }

  it('finds planted near-duplicates and exact repeats, and matches no distinct text', async () => {
    const { job, project } = await newJob();
    const distinct = texts(40);
    const originals = new Map<string, string>();
    for (const [i, text] of distinct.entries()) {
      const [chunk] = await store(i % 2, job, project.id, 'job', [text]);
      expect(chunk!.duplicateOf, `distinct text ${i}`).toBeNull();
      originals.set(text, chunk!.id);
    }
    for (let i = 0; i < 40; i += 5) {
      // A near-duplicate stored by the other worker than the original.
      const [near] = await store((i + 1) % 2, job, project.id, 'job', [edit(distinct[i]!, 2)]);
      expect(near!.duplicateOf?.id, `near copy of ${i}`).toBe(originals.get(distinct[i]!));
      expect(near!.metadata.dedup).toMatchObject({ kind: 'near' });
      expect((near!.metadata.dedup as { similarity: number }).similarity).toBeGreaterThanOrEqual(0.8);
      const [exact] = await store(i % 2, job, project.id, 'job', [distinct[i]!.toUpperCase()]);
      expect(exact!.duplicateOf?.id).toBe(originals.get(distinct[i]!));
      expect(exact!.metadata.dedup).toEqual({ kind: 'exact', similarity: 1 });
    }
    // Heavily edited (a third of the words): a new text, not a duplicate.
    const [far] = await store(0, job, project.id, 'job', [edit(distinct[3]!, 40)]);
    expect(far!.duplicateOf).toBeNull();
    // Only originals are indexed, one row per band.
    expect(await orms[0]!.em.fork().count(DedupBand, { job: job.id })).toBe(41 * index.bands);
    // Within one document: the second chunk repeats the first.
    const [a, b] = await store(1, job, project.id, 'job', [texts(1, 120, 7)[0]!, edit(texts(1, 120, 7)[0]!, 1)]);
    expect(a!.duplicateOf).toBeNull();
    expect(b!.duplicateOf?.id).toBe(a!.id);
  });

  it('checks a long page in one go: repeats within it, copies of stored chunks, and more band pairs than one statement takes', async () => {
    const { job, project } = await newJob();
    const stored = texts(5, 120, 11);
    const storedIds: string[] = [];
    for (const text of stored) storedIds.push((await store(0, job, project.id, 'job', [text]))[0]!.id);
    // 70 chunks (70 x 18 band pairs: two candidate statements): 60 new texts, then a near copy of each stored
    // text, then an exact repeat and a near repeat of the page's own first two chunks.
    const fresh = texts(60, 120, 99);
    const page = [
      ...fresh,
      ...stored.map((t) => edit(t, 2)),
      fresh[0]!.toUpperCase(),
      edit(fresh[1]!, 1),
      fresh[2]!,
      edit(stored[0]!, 1),
      edit(fresh[3]!, 2),
    ];
    const chunks = await store(1, job, project.id, 'job', page);
    expect(chunks).toHaveLength(70);
    for (let i = 0; i < 60; i++) expect(chunks[i]!.duplicateOf, `new text ${i}`).toBeNull();
    for (let i = 0; i < 5; i++) expect(chunks[60 + i]!.duplicateOf?.id, `copy of stored ${i}`).toBe(storedIds[i]);
    expect(chunks[65]!.metadata.dedup).toEqual({ kind: 'exact', similarity: 1 });
    expect(chunks[65]!.duplicateOf?.id).toBe(chunks[0]!.id);
    expect(chunks[66]!.duplicateOf?.id).toBe(chunks[1]!.id);
    expect(chunks[67]!.duplicateOf?.id).toBe(chunks[2]!.id);
    expect(chunks[68]!.duplicateOf?.id).toBe(storedIds[0]);
    expect(chunks[69]!.duplicateOf?.id).toBe(chunks[3]!.id);
    // The page's 60 originals are indexed, its 10 duplicates are not.
    expect(await orms[0]!.em.fork().count(DedupBand, { job: job.id })).toBe(65 * index.bands);
  });
  it('compares within the configured scope: the job, or the project', async () => {
    const [text] = texts(1, 120, 99);
    const first = await newJob();
    const sameProject = await newJob(first.project);
    const [inFirst] = await store(0, first.job, first.project.id, 'job', [text!]);
    // Job scope: another job of the project keeps its own copy.
    const [inSecond] = await store(1, sameProject.job, first.project.id, 'job', [edit(text!, 2)]);
    expect(inFirst!.duplicateOf).toBeNull();
    expect(inSecond!.duplicateOf).toBeNull();
    // Project scope: the project's jobs are compared with each other, not with another project's.
    const [other] = texts(1, 120, 555);
    const a = await newJob(first.project);
    const b = await newJob(first.project);
    const elsewhere = await newJob();
    const [inA] = await store(0, a.job, first.project.id, 'project', [other!]);
    const [inB] = await store(1, b.job, first.project.id, 'project', [edit(other!, 2)]);
    const [inOther] = await store(1, elsewhere.job, elsewhere.project.id, 'project', [edit(other!, 2)]);
    expect(inA!.duplicateOf).toBeNull();
    expect(inB!.duplicateOf?.id).toBe(inA!.id);
    expect(inB!.metadata.dedup).toMatchObject({ kind: 'near' });
    expect(inOther!.duplicateOf).toBeNull();
    // Exact repeats are found across the project's jobs by content hash.
    const [again] = await store(0, b.job, first.project.id, 'project', [text!]);
    expect(again!.duplicateOf?.id).toBe(inFirst!.id);
  });

  it.runIf(target.name === 'postgresql')(
    'keeps exactly one original when two workers store the same text at once',
    async () => {
      const { job, project } = await newJob();
      const [text] = texts(1, 120, 1234);
      const stored = await Promise.all(
        Array.from({ length: 8 }, (_, i) => store(i % 2, job, project.id, 'job', [edit(text!, i % 3)])),
      );
      const chunks = stored.flat();
      const kept = chunks.filter((c) => c.duplicateOf === null);
      expect(kept).toHaveLength(1);
      for (const c of chunks) if (c !== kept[0]) expect(c.duplicateOf?.id).toBe(kept[0]!.id);
    },
  );

  it.runIf(target.name === 'postgresql')(
    'locks only what could match: an unrelated page is stored while another is open, a near-duplicate waits for it',
    async () => {
      const { job, project } = await newJob();
      const [x, y] = texts(2, 120, 4321);
      let release!: () => void;
      const hold = new Promise<void>((resolve) => (release = resolve));
      const first = store(0, job, project.id, 'job', [x!], hold);
      // Let the first transaction take its locks and write its rows.
      await new Promise((r) => setTimeout(r, 300));
      const unrelated = await Promise.race([
        store(1, job, project.id, 'job', [y!]),
        new Promise<'blocked'>((r) => setTimeout(() => r('blocked'), 5000)),
      ]);
      expect(unrelated).not.toBe('blocked');
      let nearDone = false;
      const near = store(1, job, project.id, 'job', [edit(x!, 2)]).then((c) => ((nearDone = true), c));
      await new Promise((r) => setTimeout(r, 500));
      expect(nearDone).toBe(false); // waits on the first page's band locks
      release();
      const [[kept], [dup]] = await Promise.all([first, near]);
      expect(kept!.duplicateOf).toBeNull();
      expect(dup!.duplicateOf?.id).toBe(kept!.id);
    },
  );

  it('lock keys: one per distinct band and content hash, sorted, and a page past the limit locks the scope', () => {
    const bands = [Int32Array.from([1, 2, 3]), Int32Array.from([1, 5, 3])];
    const keys = lockKeys('chunks:job:j', { bands, hashes: ['a', 'a', 'b'] });
    expect(keys).toHaveLength(4 + 2); // b0:1, b1:2, b2:3, b1:5; ha, hb
    expect(keys).toEqual([...keys].sort((a, b) => a[0] - b[0] || a[1] - b[1]));
    expect(lockKeys('chunks:job:other', { bands, hashes: ['a', 'b'] })).not.toEqual(keys);
    const many = [Int32Array.from({ length: MAX_KEY_LOCKS + 1 }, (_, i) => i)];
    expect(lockKeys('s', { bands: many }).length).toBeGreaterThan(MAX_KEY_LOCKS);
  });

  it('examples: compared across workers through the database, earliest kept wins, a retry stays kept', async () => {
    const { job } = await newJob();
    const qa = [
      ['What is the capital of France?', 'Paris is the capital and largest city of France.'],
      ['How does Rust guarantee memory safety?', 'Through ownership, borrowing and lifetimes checked at compile time.'],
      ['Why is the sky blue?', 'Sunlight scatters off air molecules and blue light scatters the most.'],
      ['what is the capital of france?', 'Paris is the capital and the largest city of France!'],
      ['What is the capital of Germany?', 'Berlin is the capital of Germany.'],
    ];
    const rows = await exampleRows(job, qa);
    const workers = orms.map((orm) => new SharedExampleIndex(orm.em, { jobId: job.id, threshold: 0.9 }));
    const text = (i: number) => `${qa[i]![0]}\n${qa[i]![1]}`;
    expect(await workers[0]!.add(rows[0]!.id, text(0))).toBeNull();
    expect(await workers[1]!.add(rows[1]!.id, text(1))).toBeNull();
    expect(await workers[0]!.add(rows[2]!.id, text(2))).toBeNull();
    const match = await workers[1]!.add(rows[3]!.id, text(3));
    expect(match?.duplicateOf).toBe(rows[0]!.id);
    expect(match!.similarity).toBeGreaterThanOrEqual(0.9);
    expect(await workers[1]!.add(rows[4]!.id, text(4))).toBeNull();
    // A retried batch: the kept example is not its own duplicate.
    expect(await workers[0]!.add(rows[0]!.id, text(0))).toBeNull();
  });

  it('examples in a batch (addAll): each compared with the stored ones and the batch before it, as add() in turn would', async () => {
    const { job } = await newJob();
    const qa = [
      ['What is the capital of France?', 'Paris is the capital and largest city of France.'],
      ['How does Rust guarantee memory safety?', 'Through ownership, borrowing and lifetimes checked at compile time.'],
      ['what is the capital of france?', 'Paris is the capital and the largest city of France!'],
      ['Why is the sky blue?', 'Sunlight scatters off air molecules and blue light scatters the most.'],
      ['why is the sky blue?', 'Sunlight scatters off the air molecules, and blue light scatters the most.'],
      [
        'How does Rust guarantee memory safety??',
        'Through ownership, borrowing and lifetimes checked at compile time!',
      ],
    ];
    const rows = await exampleRows(job, qa);
    const text = (i: number) => `${qa[i]![0]}\n${qa[i]![1]}`;
    const items = (ids: number[]) => ids.map((i) => ({ id: rows[i]!.id, text: text(i) }));
    const [first, second] = orms.map((orm) => new SharedExampleIndex(orm.em, { jobId: job.id, threshold: 0.9 }));
    // One worker's batch: the third repeats the first of the same batch.
    const one = await first!.addAll(items([0, 1, 2]));
    expect(one[0]).toBeNull();
    expect(one[1]).toBeNull();
    expect(one[2]?.duplicateOf).toBe(rows[0]!.id);
    // The other worker's batch: a repeat within it, and a repeat of what the first worker kept.
    const two = await second!.addAll(items([3, 4, 5]));
    expect(two[0]).toBeNull();
    expect(two[1]?.duplicateOf).toBe(rows[3]!.id);
    expect(two[2]?.duplicateOf).toBe(rows[1]!.id);
    // A retried batch: what was kept stays kept, what was a duplicate is one again, nothing indexed twice.
    const again = await first!.addAll(items([0, 1, 2]));
    expect(again.map((m) => m?.duplicateOf ?? null)).toEqual([null, null, rows[0]!.id]);
    const banded = await orms[0]!.em
      .fork()
      .getConnection()
      .execute('select count(distinct item_id) as n from dedup_bands where scope = ?', [first!.scope.key]);
    expect(Number((banded as { n: number | string }[])[0]!.n)).toBe(3);
  });
});
