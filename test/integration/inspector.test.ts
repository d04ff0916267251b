/**
 * The inspector against real things: the tiny toxicity model (an ONNX graph
 * and WordPiece tokenizer this test writes) loaded and run through
 * @huggingface/transformers on onnxruntime-node, exactly the path used with
 * Xenova/toxic-bert; and the storage, report and browse queries on a real
 * SQLite file and a fresh PostgreSQL schema. Nothing is downloaded: hub
 * downloads are switched off, and a missing model must say `unavailable`.
 */
import 'reflect-metadata';
import { MikroORM } from '@mikro-orm/core';
import { type DatabaseConfig, parseDatabaseUrl } from '@datafactory/config';
import { ExampleStatus } from '@datafactory/contracts';
import {
  Inspector,
  loadExamplesToInspect,
  loadQualityReport,
  findInspectedExamples,
  NearDuplicateIndex,
  resolveQualityConfig,
  saveInspectionResults,
  seedDuplicateIndex,
  ToxicityClassifier,
  type InspectableExample,
} from '@datafactory/inspector';
import {
  Chunk,
  createOrmConfig,
  Job,
  migrateDatabase,
  Project,
  RawDocument,
  TrainingExample,
} from '@datafactory/persistence';
import {
  buildTinyToxicityModel,
  dropPostgresSchema,
  tempDir,
  TEST_POSTGRES_URL,
  uniqueSchema,
} from '@datafactory/testing';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir: { path: string; remove: () => Promise<void> };
let modelDir: string;

beforeAll(async () => {
  dir = await tempDir('df-inspector-');
  modelDir = await buildTinyToxicityModel(path.join(dir.path, 'tiny-toxic-bert'));
});
afterAll(async () => {
  await dir?.remove();
});

const example = (id: string, inputText: string, outputText: string): InspectableExample => ({
  id,
  templateType: 'qa',
  inputText,
  outputText,
});

describe('toxicity through the real onnxruntime path', () => {
  it('flags the trigger words with per-label scores and passes clean text', async () => {
    const inspector = new Inspector({
      config: resolveQualityConfig({ checks: ['toxicity'], toxicity: { model: modelDir, batch_size: 2 } }),
    });
    const results = await inspector.inspect([
      example('clean', 'What is the capital of France?', 'Paris is the capital of France.'),
      example('insult', 'What is the capital of France?', 'Paris, you idiot.'),
      example('threat', 'Why does water boil?', 'I will kill you if you ask again.'),
      example('clean2', 'How is Rust memory safe?', 'The borrow checker.'),
      example('hate', 'Who are they?', 'They are vermin.'),
    ]);
    const byId = Object.fromEntries(results.map((r) => [r.id, r.details.checks.toxicity!]));
    expect(byId.clean).toMatchObject({ status: 'pass', codes: [] });
    expect(byId.clean!.score).toBeGreaterThan(0.99);
    expect(Object.keys(byId.clean!.data!.labels as object)).toEqual([
      'toxicity',
      'severe_toxicity',
      'obscene',
      'threat',
      'insult',
      'identity_attack',
    ]);
    expect(byId.insult).toMatchObject({ status: 'fail', codes: ['toxic', 'toxic:toxicity', 'toxic:insult'] });
    expect(byId.insult!.reason).toMatch(/^toxic: toxicity 0.99\d+, insult 0.99\d+ \(threshold 0.5\)$/);
    expect((byId.insult!.data!.labels as Record<string, number>).threat).toBeLessThan(0.01);
    expect(byId.threat!.codes).toEqual(['toxic', 'toxic:toxicity', 'toxic:threat']);
    expect(byId.clean2!.status).toBe('pass');
    expect(byId.hate!.codes).toEqual(['toxic', 'toxic:toxicity', 'toxic:severe_toxicity', 'toxic:identity_attack']);
    expect(results.map((r) => r.passed)).toEqual([true, false, false, true, false]);
  });

  it('scores a batch the same as one text at a time (padding is masked)', async () => {
    const classifier = await ToxicityClassifier.load({ model: modelDir });
    const texts = ['a', 'What is the capital of France and why is it Paris?', 'idiot'];
    const batched = await classifier.classify(texts, 3);
    const single = await Promise.all(texts.map(async (t) => (await classifier.classify([t], 1))[0]));
    expect(batched).toEqual(single);
  });

  it('reports `unavailable` on every example when the model folder is missing, and the report says so', async () => {
    const missing = path.join(dir.path, 'no-such-model');
    const inspector = new Inspector({
      config: resolveQualityConfig({ checks: ['format', 'toxicity'], toxicity: { model: missing } }),
    });
    const results = await inspector.inspect([
      example('a', 'What is the capital of France?', 'Paris is the capital of France.'),
      example('b', 'Why does water boil?', 'Heat.'),
    ]);
    for (const r of results) {
      expect(r.details.checks.toxicity).toMatchObject({ status: 'unavailable', score: null });
      expect(r.details.checks.toxicity!.reason).toContain(`toxicity model folder ${missing} not found`);
      expect(r.passed).toBe(false);
    }
  });

  it('does not reach for the network when downloads are off and the hub model is not cached', async () => {
    const inspector = new Inspector({
      config: resolveQualityConfig({ checks: ['toxicity'] }),
      toxicity: { cacheDir: path.join(dir.path, 'models'), allowDownload: false },
    });
    const [r] = await inspector.inspect([example('a', 'Hello?', 'Hello.')]);
    expect(r!.details.checks.toxicity!.status).toBe('unavailable');
    expect(r!.details.checks.toxicity!.reason).toMatch(/Xenova\/toxic-bert could not be loaded \(downloads are off\)/);
  });
});

interface Target {
  name: 'sqlite' | 'postgresql';
  db: () => DatabaseConfig;
  cleanup: (db: DatabaseConfig) => Promise<void>;
}

const TARGETS: Target[] = [
  {
    name: 'sqlite',
    db: () => ({
      driver: 'sqlite',
      path: path.join(dir.path, `db-${Math.random().toString(36).slice(2)}.db`),
      busyTimeoutMs: 5000,
    }),
    cleanup: async () => {},
  },
  {
    name: 'postgresql',
    db: () => parseDatabaseUrl(`${TEST_POSTGRES_URL}?schema=${uniqueSchema()}`, os.tmpdir(), 0),
    cleanup: async (db) => {
      if (db.driver === 'postgresql' && db.schema) await dropPostgresSchema(TEST_POSTGRES_URL, db.schema);
    },
  },
];

describe.each(TARGETS)('storage, report and browsing on $name', (target) => {
  let db: DatabaseConfig;
  let orm: MikroORM;
  let jobId: string;

  beforeAll(async () => {
    db = target.db();
    await migrateDatabase(db);
    orm = await MikroORM.init(createOrmConfig(db));
    const em = orm.em.fork();
    const project = em.create(Project, { name: 'inspector test' });
    const job = em.create(Job, { project });
    const document = em.create(RawDocument, { job, url: 'https://example.com/' });
    const chunk = em.create(Chunk, {
      document,
      job,
      content: 'Paris is the capital of France. Water boils at 100 degrees at sea level.',
      tokenCount: 16,
      chunkIndex: 0,
      language: 'en',
    });
    const rows: [string, string, string?][] = [
      ['What is the capital of France?', 'Paris is the capital of France.'],
      ['What is the capital of France?', 'Paris is the capital of France!'],
      ['At what temperature does water boil?', 'You idiot, at 100 degrees.'],
      ['Water boiling', 'As an AI language model, I cannot answer.'],
      ['Never inspected', 'generation failed', 'failed'],
    ];
    rows.forEach(([inputText, outputText, status], i) =>
      em.create(TrainingExample, {
        chunk,
        job,
        templateType: 'qa',
        inputText,
        outputText,
        modelUsed: 'gpt-4o-mini',
        status: status === 'failed' ? ExampleStatus.Failed : ExampleStatus.Ok,
        tokenCount: 10 + i,
        lineage: { example: { question: inputText, answer: outputText } },
        createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
      }),
    );
    await em.flush();
    jobId = job.id;
  });

  afterAll(async () => {
    await orm?.close(true);
    if (db) await target.cleanup(db);
  });

  it('inspects what is stored, saves the scores, and builds a report that adds up', async () => {
    const toInspect = await loadExamplesToInspect(orm.em, jobId);
    expect(toInspect).toHaveLength(4);
    expect(toInspect[0]).toMatchObject({
      chunkLanguage: 'en',
      fields: { question: 'What is the capital of France?' },
    });
    expect(toInspect[0]!.chunkText).toContain('Paris');

    const inspector = new Inspector({
      config: resolveQualityConfig({ checks: ['format', 'duplicates', 'toxicity'], toxicity: { model: modelDir } }),
    });
    await saveInspectionResults(orm.em, await inspector.inspect(toInspect));
    expect(await loadExamplesToInspect(orm.em, jobId)).toHaveLength(0);

    const report = await loadQualityReport(orm.em, jobId);
    expect(report).toMatchObject({
      total: 5,
      inspected: 4,
      notInspected: 0,
      generationFailed: 1,
      passed: 1,
      failed: 3,
      passRate: 0.25,
      unavailableChecks: [],
    });
    expect(report.checks.duplicates).toMatchObject({
      pass: 3,
      fail: 1,
      reasons: [{ code: 'near_duplicate', count: 1 }],
    });
    expect(report.checks.toxicity!.reasons).toEqual(expect.arrayContaining([{ code: 'toxic:insult', count: 1 }]));
    expect(report.checks.format!.reasons).toEqual([
      { code: 'not_a_question', count: 1 },
      { code: 'refusal', count: 1 },
    ]);
    expect(report.histogram.reduce((n, b) => n + b.count, 0)).toBe(4);
    expect(report.tokenLength).toMatchObject({ min: 10, max: 13 });
  });

  it('browses examples by verdict and by failed check, with paging', async () => {
    const passed = await findInspectedExamples(orm.em, jobId, { passed: true, page: 1, pageSize: 10 });
    expect(passed.total).toBe(1);
    expect(passed.items[0]!.outputText).toBe('Paris is the capital of France.');

    const rejected = await findInspectedExamples(orm.em, jobId, { passed: false, page: 1, pageSize: 2 });
    expect(rejected.total).toBe(3);
    expect(rejected.items).toHaveLength(2);

    const toxic = await findInspectedExamples(orm.em, jobId, { check: 'toxicity', page: 1, pageSize: 10 });
    expect(toxic.items.map((e) => e.outputText)).toEqual(['You idiot, at 100 degrees.']);
    const dup = await findInspectedExamples(orm.em, jobId, {
      check: 'duplicates',
      passed: false,
      page: 1,
      pageSize: 10,
    });
    expect(dup.items.map((e) => e.outputText)).toEqual(['Paris is the capital of France!']);
    const all = await findInspectedExamples(orm.em, jobId, { page: 1, pageSize: 10 });
    expect(all.total).toBe(4);
  });

  it('seeds a duplicate index from the examples already inspected (a restarted worker)', async () => {
    const index = new NearDuplicateIndex({ threshold: 0.9 });
    expect(await seedDuplicateIndex(orm.em, index, { jobId })).toBe(3);
    expect(index.add('new', 'What is the capital of France?\nParis is the capital of France.')).not.toBeNull();
  });
});
