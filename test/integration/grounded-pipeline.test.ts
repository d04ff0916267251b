/**
 * Integration: the grounded check in a real job (`datafactory run` in one
 * process: the fixture site on 127.0.0.1, the fake OpenAI-compatible server,
 * a SQLite file), and the rag template's distractors, completed at export
 * when a chunk was generated before enough other documents were stored.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MikroORM } from '@mikro-orm/core';
import { type AppConfig, loadConfig } from '@datafactory/config';
import { ExampleStatus, funnelCount, JobStatus, ScrapeStatus } from '@datafactory/contracts';
import { completeRagDistractors, type RagRetrieval, retrievalContext } from '@datafactory/generator';
import { loadQualityReport } from '@datafactory/inspector';
import { Chunk, createOrmConfig, Job, Project, RawDocument, TrainingExample } from '@datafactory/persistence';
import { runJobLocally } from '@datafactory/pipeline/worker';
import {
  FakeOpenAiServer,
  type FakeRequest,
  FixtureSite,
  qaFromPrompt,
  storedJobConfig,
  tempDir,
  templateExamplesFromPrompt,
} from '@datafactory/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from './exporter-helpers.js';

/** Planted in every second qa answer: a claim no page of the fixture site makes. */
const PLANTED = 'The harbour was later renamed Zorblax Harbour by Queen Imelda in 2091.';

/** The qa reply of qaFromPrompt with the planted claim added to every second answer. */
function plantingQa(req: FakeRequest): string {
  const reply = qaFromPrompt(req);
  const parsed = JSON.parse(reply) as { examples?: { answer: string }[] };
  if (!parsed.examples) return reply; // a judge's verdict
  parsed.examples.forEach((e, i) => {
    if (i % 2 === 1) e.answer = `${e.answer} ${PLANTED}`;
  });
  return JSON.stringify(parsed);
}

const openOrm = (c: AppConfig) => MikroORM.init(createOrmConfig(c.database) as Parameters<typeof MikroORM.init>[0]);

describe('the grounded check in a job', () => {
  let site: FixtureSite;
  let llm: FakeOpenAiServer;
  let dir: { path: string; remove: () => Promise<void> };
  let config: AppConfig;

  beforeAll(async () => {
    site = await FixtureSite.start({ hosts: ['main'] });
    llm = await new FakeOpenAiServer({ content: plantingQa }).start();
    dir = await tempDir();
    config = loadConfig({
      DATA_DIR: dir.path,
      OPENAI_BASE_URL: llm.baseUrl,
      LOG_LEVEL: 'silent',
      CRAWL_ALLOW_PRIVATE_NETWORKS: 'true',
    });
  });
  afterAll(async () => {
    await site?.close();
    await llm?.stop();
    await dir?.remove();
  });

  it('rejects the answers with a planted claim (local level), reports the grounded rate, shows it in the card and the funnel', async () => {
    const before = llm.requests.length;
    const {
      job,
      export: exported,
      funnel,
    } = await runJobLocally(config, {
      urls: [1, 2, 3].map((n) => site.url('main', `/doc/${n + 80}`)),
      jobConfig: {
        generation: { template: 'qa', examples_per_chunk: 2 },
        quality: { checks: ['format', 'grounded'] },
      },
    });
    expect(job.status, job.error ?? '').toBe('completed');
    // The local level makes no call of its own: only generation's.
    const judged = llm.requests
      .slice(before)
      .filter((r) => String(r.body.messages?.[0]?.content).startsWith('You check'));
    expect(judged).toHaveLength(0);

    const orm = await openOrm(config);
    try {
      const examples = await orm.em.fork().find(TrainingExample, { job: job.id, status: ExampleStatus.Ok });
      const planted = examples.filter((e) => e.outputText.includes(PLANTED));
      const clean = examples.filter((e) => !e.outputText.includes(PLANTED));
      expect(planted.length).toBeGreaterThan(0);
      expect(clean.length).toBeGreaterThan(0);
      for (const e of planted) {
        const g = (e.qualityDetails as { checks: { grounded: { status: string; reason: string; codes: string[] } } })
          .checks.grounded;
        expect(g.status).toBe('fail');
        expect(g.reason).toContain(JSON.stringify(PLANTED));
        expect(g.codes[0]).toBe('unsupported');
        expect(e.passedQc).toBe(false);
      }
      for (const e of clean) {
        const g = (e.qualityDetails as { checks: { grounded: { status: string; reason: string } } }).checks.grounded;
        expect(g.status, g.reason).toBe('pass');
      }

      const report = await loadQualityReport(orm.em, job.id);
      expect(report.checks.grounded).toMatchObject({ pass: clean.length, fail: planted.length });
      expect(report.groundedRate).toBeCloseTo(clean.length / examples.length, 4);

      // Funnel: the planted ones are rejected by check `grounded`.
      expect(funnelCount(funnel!, 'inspect', 'rejected')).toBe(planted.length);
      const inspect = funnel!.stages.find((s) => s.stage === 'inspect')!;
      expect(inspect.outcomes.find((o) => o.outcome === 'rejected')!.reasons).toEqual([
        { code: 'grounded', count: planted.length },
      ]);

      const card = readFileSync(path.join(path.resolve(dir.path, exported!.filePath), 'README.md'), 'utf8');
      const pct = ((100 * clean.length) / examples.length).toFixed(1);
      expect(card).toContain(
        `- Grounded rate: ${pct}% (${clean.length} of ${examples.length} inspected examples have every sentence supported by their source chunk; ${planted.length} rejected by the \`grounded\` check)`,
      );
      expect(exported!.recordCount).toBe(clean.length);
    } finally {
      await orm.close(true);
    }
  });

  it('asks the judge model about each answer when quality.judge.model is set; its verdict quotes the sentence', async () => {
    const before = llm.requests.length;
    const { job } = await runJobLocally(config, {
      urls: [site.url('main', '/doc/91'), site.url('main', '/doc/92')],
      jobConfig: {
        generation: { template: 'qa', examples_per_chunk: 2 },
        quality: { checks: ['format', 'grounded'], judge: { model: 'gpt-4o-mini' } },
      },
    });
    expect(job.status, job.error ?? '').toBe('completed');
    const orm = await openOrm(config);
    try {
      const examples = await orm.em.fork().find(TrainingExample, { job: job.id, status: ExampleStatus.Ok });
      const judged = llm.requests
        .slice(before)
        .filter((r) => String(r.body.messages?.[0]?.content).startsWith('You check'));
      expect(judged).toHaveLength(examples.length);
      expect(judged.every((r) => r.body.model === 'gpt-4o-mini')).toBe(true);
      for (const e of examples) {
        const g = (
          e.qualityDetails as { checks: { grounded: { status: string; reason: string; data: { level: string } } } }
        ).checks.grounded;
        expect(g.data.level).toBe('judge');
        if (e.outputText.includes(PLANTED)) {
          expect(g.status).toBe('fail');
          expect(g.reason).toContain(`unsupported: ${JSON.stringify(PLANTED)}`);
        } else expect(g.status, g.reason).toBe('pass');
      }
      // The judge's calls were counted in the job's cost like generation's.
      const report = await loadQualityReport(orm.em, job.id);
      expect(report.judgeCost).toBeGreaterThan(0);
      const final = await orm.em.fork().findOneOrFail(Job, { id: job.id });
      expect(Number(final.costTotal)).toBeGreaterThan(report.judgeCost!);
    } finally {
      await orm.close(true);
    }
  });
});

describe('rag distractors', () => {
  let site: FixtureSite;
  let llm: FakeOpenAiServer;
  let dir: { path: string; remove: () => Promise<void> };

  beforeAll(async () => {
    site = await FixtureSite.start({ hosts: ['main'] });
    llm = await new FakeOpenAiServer({ content: templateExamplesFromPrompt }).start();
    dir = await tempDir();
  });
  afterAll(async () => {
    await site?.close();
    await llm?.stop();
    await dir?.remove();
  });

  const ragJob = async (pages: number[]) => {
    const config = loadConfig({
      DATA_DIR: dir.path,
      OPENAI_BASE_URL: llm.baseUrl,
      LOG_LEVEL: 'silent',
      CRAWL_ALLOW_PRIVATE_NETWORKS: 'true',
    });
    const run = await runJobLocally(config, {
      urls: pages.map((n) => site.url('main', `/doc/${n}`)),
      jobConfig: {
        generation: { template: 'rag', examples_per_chunk: 2, template_params: { distractors: 3 } },
        quality: { checks: ['format'] },
      },
    });
    expect(run.job.status, run.job.error ?? '').toBe('completed');
    const orm = await openOrm(config);
    try {
      const examples = await orm.em.fork().find(TrainingExample, { job: run.job.id, status: ExampleStatus.Ok });
      const card = readFileSync(path.join(path.resolve(dir.path, run.export!.filePath), 'README.md'), 'utf8');
      return { examples, card };
    } finally {
      await orm.close(true);
    }
  };
  const retrievalOf = (e: TrainingExample) => (e.lineage as { retrieval: RagRetrieval }).retrieval;

  it('every example of a job with enough other documents ends with the distractors asked, and says so', async () => {
    const { examples, card } = await ragJob([101, 102, 103, 104, 105]);
    expect(examples.length).toBeGreaterThan(0);
    for (const e of examples) {
      const r = retrievalOf(e);
      expect(r.distractorsWanted).toBe(3);
      expect(r.distractorsFound).toBe(3);
      expect(r.documents.filter((d) => d.chunkId !== e.chunk.id)).toHaveLength(3);
    }
    expect(card).not.toContain('- Distractors:');
  });

  it('a job with too few other documents keeps the count it has in each record, and the card flags them', async () => {
    const { examples, card } = await ragJob([111, 112]);
    expect(examples.length).toBeGreaterThan(0);
    const short = examples.filter((e) => retrievalOf(e).distractorsFound < 3);
    expect(short.length).toBeGreaterThan(0);
    for (const e of short) {
      const r = retrievalOf(e);
      expect(r.documents.filter((d) => d.chunkId !== e.chunk.id)).toHaveLength(r.distractorsFound);
    }
    const fewest = Math.min(...short.map((e) => retrievalOf(e).distractorsFound));
    expect(card).toContain(
      `- Distractors: ${short.length} of ${examples.length} rag records have fewer than the 3 distractor chunks asked (as few as ${fewest})`,
    );
  });
});

describe('the grounded check on each template', () => {
  let site: FixtureSite;
  let llm: FakeOpenAiServer;
  let dir: { path: string; remove: () => Promise<void> };

  beforeAll(async () => {
    site = await FixtureSite.start({ hosts: ['main'] });
    llm = await new FakeOpenAiServer({ content: templateExamplesFromPrompt }).start();
    dir = await tempDir();
  });
  afterAll(async () => {
    await site?.close();
    await llm?.stop();
    await dir?.remove();
  });

  // The fake writes each template's claims from the chunk's sentences (and a preference's rejected answer with a
  // claim the text does not make, which is not what the check reads).
  it.each(['conversation', 'preference', 'rag', 'reasoning'])(
    '%s: the claims the template makes are read from its fields and found supported',
    async (template) => {
      const config = loadConfig({
        DATA_DIR: dir.path,
        OPENAI_BASE_URL: llm.baseUrl,
        LOG_LEVEL: 'silent',
        CRAWL_ALLOW_PRIVATE_NETWORKS: 'true',
      });
      const { job } = await runJobLocally(config, {
        urls: [site.url('main', '/doc/121'), site.url('main', '/doc/122')],
        jobConfig: { generation: { template, examples_per_chunk: 2 }, quality: { checks: ['grounded'] } },
      });
      expect(job.status, job.error ?? '').toBe('completed');
      const orm = await openOrm(config);
      try {
        const examples = await orm.em.fork().find(TrainingExample, { job: job.id, status: ExampleStatus.Ok });
        expect(examples.length).toBeGreaterThan(0);
        for (const e of examples) {
          const g = (e.qualityDetails as { checks: { grounded: { status: string; reason: string; data: object } } })
            .checks.grounded;
          expect(g.status, g.reason).toBe('pass');
          expect(g.data).toMatchObject({ level: 'local' });
          expect((g.data as { sentences: number }).sentences).toBeGreaterThan(template === 'reasoning' ? 2 : 0);
        }
      } finally {
        await orm.close(true);
      }
    },
  );
});

describe('completing the distractors of examples generated early', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openTestDatabase('sqlite');
  });
  afterAll(() => db?.close());

  it('picks them again over every stored chunk, keeps the oracle in or out, and records the count', async () => {
    const em = db.orm.em.fork();
    const project = em.create(Project, { name: 'rag', config: {} });
    const job = em.create(Job, {
      project,
      status: JobStatus.Running,
      config: storedJobConfig({ generation: { template: 'rag', model: 'gpt-4o-mini' } }),
    });
    const doc = (n: number) =>
      em.create(RawDocument, { job, url: `https://site.example/${n}`, scrapeStatus: ScrapeStatus.Ok, language: 'en' });
    const chunkOf = (d: RawDocument, text: string) =>
      em.create(Chunk, { document: d, job, content: text, tokenCount: 10, chunkIndex: 0, language: 'en' });
    const first = chunkOf(doc(0), 'The first page, generated before the others were stored.');
    // Generated when only its own document was stored: no distractor found.
    const early = (index: number, oracle: boolean) => {
      const context = retrievalContext({ id: first.id, text: first.content }, [], index, oracle ? 0 : 1);
      return em.create(TrainingExample, {
        id: randomUUID(),
        chunk: first,
        job,
        templateType: 'rag',
        inputText: 'q?',
        outputText: 'a',
        modelUsed: 'gpt-4o-mini',
        status: ExampleStatus.Ok,
        lineage: {
          exampleIndex: index,
          retrieval: { ...context, distractorsWanted: 3, distractorsFound: 0 },
        } as never,
      });
    };
    const withOracle = early(0, true);
    const withoutOracle = early(1, false);
    await em.flush();
    // The rest of the job arrives later: four other documents.
    const others = [1, 2, 3, 4].map((n) => chunkOf(doc(n), `Page ${n} of the site.`));
    await em.flush();

    expect(await completeRagDistractors(db.orm.em, job.id)).toEqual({ short: 2, completed: 2, stillShort: 0 });
    const reread = async (id: string) =>
      ((await db.orm.em.fork().findOneOrFail(TrainingExample, { id })).lineage as { retrieval: RagRetrieval })
        .retrieval;
    const a = await reread(withOracle.id);
    const b = await reread(withoutOracle.id);
    expect(a).toMatchObject({ distractorsWanted: 3, distractorsFound: 3, distractorsCompletedAt: 'export' });
    expect(a.documents).toHaveLength(4);
    expect(a.documents[a.oracleIndex!]).toEqual({ chunkId: first.id, text: first.content });
    expect(b.oracleIndex).toBeNull();
    expect(b.documents).toHaveLength(3);
    const otherIds = new Set(others.map((c) => c.id));
    for (const r of [a, b])
      for (const d of r.documents.filter((d) => d.chunkId !== first.id)) expect(otherIds.has(d.chunkId)).toBe(true);
    // Done once: nothing is short any more.
    expect(await completeRagDistractors(db.orm.em, job.id)).toEqual({ short: 0, completed: 0, stillShort: 0 });
  });
});
