/**
 * End-to-end: near-duplicate detection shared by two workers. The API and
 * two worker processes on PostgreSQL (a schema of its own), the machine's
 * Redis, the fixture site (groups of near-duplicate pages, and distinct
 * pages) and the fake OpenAI server. Real: every process, the database and
 * its advisory locks, the queues; faked: the LLM only.
 */
import { Chunk, RawDocument, TrainingExample } from '@datafactory/persistence';
import { type PipelineStack, qaFromPrompt, SseClient, startPipelineStack } from '@datafactory/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const GROUPS = 3;
const COPIES = 6;
/**
 * Distinct pages: each gives an example to inspect, so that the inspect items of the job (GROUPS + DISTINCT)
 * are many enough to land on both workers even when CI's load starves one of them for a while (with 9, a CI
 * run once saw one worker inspect them all).
 */
const DISTINCT = 15;

describe('near-duplicates across two workers (PostgreSQL)', () => {
  let p: PipelineStack;
  /** Every prompt gets the first answer: all examples of the job are the same text. */
  let firstAnswer: string | undefined;

  beforeAll(async () => {
    p = await startPipelineStack({
      workers: 2,
      database: 'postgres',
      hosts: ['main', 'other'],
      llm: { content: (req) => (firstAnswer ??= qaFromPrompt(req)), latencyMs: 20 },
      env: { WORKER_CONCURRENCY: '4' },
      timeoutMs: 60_000,
    });
  }, 90_000);

  afterAll(async () => {
    await p?.stop();
  });

  it('keeps exactly one original chunk per group and one original example, whichever worker saw them', async () => {
    const { stack, site } = p;
    const project = (await stack.json('POST', '/api/projects', { name: 'dedup' })).body.id as string;
    const urls: string[] = [];
    for (let copy = 0; copy < COPIES; copy++) {
      for (let g = 0; g < GROUPS; g++) urls.push(site.url(copy % 2 ? 'other' : 'main', `/near/${g}/${copy}`));
    }
    for (let i = 0; i < DISTINCT; i++) urls.push(site.url(i % 2 ? 'other' : 'main', `/doc/${i + 1}`));
    const created = await stack.json('POST', `/api/projects/${project}/jobs`, {
      urls,
      config: {
        scraping: { requests_per_second: 50, max_concurrent: 4 },
        generation: { template: 'qa', examples_per_chunk: 1, max_concurrent_llm: 4 },
        quality: { checks: ['duplicates'] },
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const jobId = created.body.id as string;
    const sse = await SseClient.open(`${stack.base}/api/jobs/${jobId}/stream`);
    const done = await sse.next((e) => e.event === 'done', 'the done event');
    sse.close();
    expect(done.data.status).toBe('completed');

    const em = (await p.orm()).em.fork();
    const docs = await em.find(RawDocument, { job: jobId }, { fields: ['id', 'url'] });
    expect(docs).toHaveLength(urls.length);
    const chunks = await em.find(Chunk, { job: jobId }, { fields: ['id', 'document', 'duplicateOf', 'metadata'] });
    const docOf = new Map(docs.map((d) => [d.id, d.url]));
    const urlOfChunk = new Map(chunks.map((c) => [c.id, docOf.get(c.document.id)!]));

    let acrossWorkers = 0;
    for (let g = 0; g < GROUPS; g++) {
      const group = chunks.filter((c) => urlOfChunk.get(c.id)!.includes(`/near/${g}/`));
      expect(group.length).toBeGreaterThanOrEqual(COPIES);
      const originals = group.filter((c) => c.duplicateOf === null);
      expect(originals, `group ${g}`).toHaveLength(1);
      for (const c of group) {
        if (c.duplicateOf === null) continue;
        expect(c.duplicateOf?.id).toBe(originals[0]!.id);
        expect(c.metadata).toMatchObject({ dedup: { kind: expect.stringMatching(/^(near|exact)$/) } });
      }
      // Which worker refined each copy (from the workers' debug logs).
      const workers = new Set(
        docs.filter((d) => d.url.includes(`/near/${g}/`)).map((d) => p.workerOf(`refine-${d.id}`)),
      );
      expect(workers.has(-1)).toBe(false);
      if (workers.size === 2) acrossWorkers++;
    }
    // The copies were spread over both workers: the shared index, not luck, kept one original.
    expect(acrossWorkers).toBeGreaterThan(0);
    const distinct = chunks.filter((c) => urlOfChunk.get(c.id)!.includes('/doc/'));
    expect(distinct.length).toBeGreaterThanOrEqual(DISTINCT);
    expect(distinct.filter((c) => c.duplicateOf !== null)).toEqual([]);

    // Every example has the same text: exactly one passes the duplicate check, the others name it.
    const examples = await em.find(TrainingExample, { job: jobId }, { fields: ['id', 'chunk', 'qualityDetails'] });
    expect(examples.length).toBe(GROUPS + DISTINCT);
    const check = (e: Pick<TrainingExample, 'qualityDetails'>) =>
      (
        e.qualityDetails as {
          checks: { duplicates: { status: string; reason: string; data?: { duplicateOf: string } } };
        }
      ).checks.duplicates;
    const kept = examples.filter((e) => check(e).status === 'pass');
    expect(kept).toHaveLength(1);
    for (const e of examples.filter((x) => x !== kept[0])) {
      expect(check(e)).toMatchObject({ status: 'fail', data: { duplicateOf: kept[0]!.id } });
      expect(check(e).reason).toMatch(/^near-duplicate of example \S+ \(cosine similarity 1\)$/);
    }
    const inspectedBy = new Set(examples.map((e) => p.workerOf(`inspect-${e.chunk.id}`)));
    expect(inspectedBy.has(-1)).toBe(false);
    expect(inspectedBy.size).toBe(2);
  }, 180_000);
});
