/**
 * Integration: the whole pipeline in one process (what `datafactory run`
 * does): the fixture site on 127.0.0.1, the fake OpenAI-compatible server,
 * a real SQLite file, the real stage libs. No Redis.
 */
import { MikroORM } from '@mikro-orm/core';
import { loadConfig } from '@datafactory/config';
import { type JobEvent, STAGES } from '@datafactory/contracts';
import { Chunk, createOrmConfig, TrainingExample } from '@datafactory/persistence';
import { estimateJob } from '@datafactory/pipeline';
import { runJobLocally } from '@datafactory/pipeline/worker';
import { FakeOpenAiServer, FixtureSite, qaFromPrompt, tempDir } from '@datafactory/testing';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('the pipeline in one process', () => {
  let site: FixtureSite;
  let llm: FakeOpenAiServer;
  let dir: { path: string; remove: () => Promise<void> };

  beforeAll(async () => {
    site = await FixtureSite.start({ hosts: ['main', 'other'] });
    llm = new FakeOpenAiServer({ content: qaFromPrompt });
    await llm.start();
    dir = await tempDir();
  });
  afterAll(async () => {
    await site?.close();
    await llm?.stop();
    await dir?.remove();
  });

  it('crawls, refines, generates, inspects and exports; bad URLs fail alone', async () => {
    const config = loadConfig({
      DATA_DIR: dir.path,
      OPENAI_BASE_URL: llm.baseUrl,
      LOG_LEVEL: 'silent',
      CRAWL_ALLOW_PRIVATE_NETWORKS: 'true',
    });
    const urls = [
      ...[1, 2, 3].map((n) => site.url('main', `/doc/${n}`)),
      ...[4, 5].map((n) => site.url('other', `/doc/${n}`)),
      site.url('main', '/404'),
      'http://127.0.0.1:1/unreachable',
    ];
    const events: JobEvent[] = [];
    const { job, export: exported } = await runJobLocally(config, {
      urls,
      jobConfig: {
        scraping: { requests_per_second: 50 },
        generation: { template: 'qa', examples_per_chunk: 2 },
        quality: { checks: ['format', 'duplicates'] },
        export: { format: 'jsonl' },
      },
      onEvent: (e) => events.push(e),
    });

    expect(job.status, job.error ?? '').toBe('completed');
    expect(job.progress.crawler).toEqual({ total: 7, done: 5, failed: 2 });
    expect(job.progress.refiner).toMatchObject({ total: 5, done: 5 });
    const { generator, inspector } = job.progress;
    expect(generator.total).toBeGreaterThanOrEqual(5);
    expect(generator.done + generator.failed).toBe(generator.total);
    expect(inspector.done).toBe(generator.done);
    expect(Number(job.costTotal)).toBeGreaterThan(0);

    // Counters never go backwards, and the last event says done.
    const progress = events.filter((e) => e.type === 'progress');
    for (let i = 1; i < progress.length; i++) {
      for (const s of STAGES) {
        const [a, b] = [progress[i - 1]!.progress[s], progress[i]!.progress[s]];
        expect(b.done + b.failed).toBeGreaterThanOrEqual(a.done + a.failed);
      }
    }
    expect(events.at(-1)).toMatchObject({ type: 'done', status: 'completed' });
    expect(events.some((e) => e.type === 'log' && e.message.includes('/404'))).toBe(true);

    // The export holds the passed examples, one JSON object per line.
    expect(exported).not.toBeNull();
    const folder = path.resolve(dir.path, exported!.filePath);
    const data = readdirSync(folder).find((f) => f.startsWith('data'))!;
    const lines = readFileSync(path.join(folder, data), 'utf8').trim().split('\n').filter(Boolean);
    expect(lines.length).toBe(exported!.recordCount);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(readFileSync(path.join(folder, 'README.md'), 'utf8')).toMatch(/^---\n/);
  });

  it('runs the optional LLM judge on the endpoint of the job; judged examples pass', async () => {
    const config = loadConfig({
      DATA_DIR: dir.path,
      OPENAI_BASE_URL: llm.baseUrl,
      LOG_LEVEL: 'silent',
      CRAWL_ALLOW_PRIVATE_NETWORKS: 'true',
    });
    const before = llm.requests.length;
    const { job, export: exported } = await runJobLocally(config, {
      urls: [site.url('main', '/doc/31'), site.url('main', '/doc/32')],
      jobConfig: {
        generation: { template: 'qa', examples_per_chunk: 2 },
        quality: { checks: ['format', 'judge'], judge: { model: 'gpt-4o-mini' } },
      },
    });
    expect(job.status).toBe('completed');
    const judged = llm.requests
      .slice(before)
      .filter((r) => String(r.body.messages?.[0]?.content).startsWith('You review training examples'));
    expect(judged.length).toBeGreaterThan(0);
    expect(exported!.recordCount).toBe(judged.length);
  });

  it('estimates a job from a sample within 20% of what the run then does', async () => {
    const config = loadConfig({
      DATA_DIR: dir.path,
      OPENAI_BASE_URL: llm.baseUrl,
      LOG_LEVEL: 'silent',
      CRAWL_ALLOW_PRIVATE_NETWORKS: 'true',
    });
    const urls = [
      ...Array.from({ length: 16 }, (_, i) => site.url('main', `/doc/${i + 41}`)),
      ...Array.from({ length: 4 }, (_, i) => site.url('other', `/doc/${i + 61}`)),
    ];
    const jobConfig = {
      scraping: { requests_per_second: 50 },
      generation: { template: 'qa', examples_per_chunk: 2 },
      quality: { checks: ['format'] },
    };
    const estimate = await estimateJob(config, { urls, config: jobConfig });
    expect(estimate.sample).toHaveLength(5);
    expect(estimate.note).toMatch(/estimated from 5 of 20/);
    const before = llm.requests.length;
    const { job } = await runJobLocally(config, { urls, jobConfig });
    const calls = llm.requests.length - before;
    const g = estimate.generation!;
    console.log(
      `estimate: chunks ${g.chunks.expected} calls ${g.calls.expected} cost ${g.costUsd?.expected}; actual: chunks ${job.progress.generator.total} calls ${calls} cost ${job.costTotal}`,
    );
    expect(
      Math.abs(g.chunks.expected - job.progress.generator.total) / job.progress.generator.total,
    ).toBeLessThanOrEqual(0.2);
    expect(Math.abs(g.calls.expected - calls) / calls).toBeLessThanOrEqual(0.2);
    expect(Math.abs(g.costUsd!.expected - Number(job.costTotal)) / Number(job.costTotal)).toBeLessThanOrEqual(0.2);
  });

  it('exports the text corpus, one record per original chunk, with no LLM call, with template none', async () => {
    const config = loadConfig({ DATA_DIR: dir.path, LOG_LEVEL: 'silent', CRAWL_ALLOW_PRIVATE_NETWORKS: 'true' });
    const requestsBefore = llm.requests.length;
    const { job, export: exported } = await runJobLocally(config, {
      // doc/7 twice under two URLs: its chunks are duplicates, left out of the corpus.
      urls: [site.url('main', '/doc/7'), site.url('main', '/doc/8'), site.url('main', '/doc/7?copy=1')],
      jobConfig: { generation: { template: 'none' }, export: { format: 'jsonl' } },
    });
    expect(job.status, job.error ?? '').toBe('completed');
    expect(job.progress.refiner).toMatchObject({ total: 3, done: 3 });
    expect(job.progress.generator.total).toBe(0);
    expect(llm.requests.length).toBe(requestsBefore);

    const orm = await MikroORM.init(createOrmConfig(config.database) as Parameters<typeof MikroORM.init>[0]);
    try {
      const originals = await orm.em.fork().find(Chunk, { job: job.id, duplicateOf: null }, { populate: ['document'] });
      expect(originals.length).toBeGreaterThan(0);
      expect(await orm.em.fork().count(Chunk, { job: job.id, duplicateOf: { $ne: null } })).toBeGreaterThan(0);
      expect(exported!.recordCount).toBe(originals.length);
      const folder = path.join(dir.path, exported!.filePath);
      const records = readFileSync(path.join(folder, 'data.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(records.map((r) => r.id).sort()).toEqual(originals.map((c) => c.id).sort());
      const first = originals.find((c) => c.id === records[0]!.id)!;
      expect(records[0]).toEqual({
        id: first.id,
        text: first.content,
        source_url: first.document.finalUrl ?? first.document.url,
        title: first.document.title ?? null,
        domain: '127.0.0.1',
        language: first.language ?? first.document.language ?? null,
        token_count: first.tokenCount,
        chunk_index: first.chunkIndex,
        content_hash: first.contentHash,
        license: null,
        provenance: expect.objectContaining({
          url: first.document.url,
          http_status: 200,
          chunk_start: (first.metadata as { start: number }).start,
          chunk_end: (first.metadata as { end: number }).end,
          text_sha256: (first.document.metadata.refiner as { textSha256: string }).textSha256,
        }),
      });
      const card = readFileSync(path.join(folder, 'README.md'), 'utf8');
      expect(card).toMatch(/text corpus/);
      expect(card).toMatch(/No language model wrote or changed any of this text/);
      expect(card).not.toMatch(/written by a language model|llm-generated/i);
    } finally {
      await orm.close();
    }
  });

  it('stores the examples of chunks left when max_cost_usd is spent as failed with budget_exhausted', async () => {
    const config = loadConfig({
      DATA_DIR: dir.path,
      OPENAI_BASE_URL: llm.baseUrl,
      LOG_LEVEL: 'silent',
      CRAWL_ALLOW_PRIVATE_NETWORKS: 'true',
    });
    llm.enqueue({ usage: { prompt_tokens: 100_000, completion_tokens: 100, total_tokens: 100_100 } });
    const callsBefore = llm.requests.length;
    const { job } = await runJobLocally(config, {
      urls: [1, 2, 3, 4, 5].map((n) => site.url('main', `/doc/${60 + n}`)),
      jobConfig: {
        // The first call fits its estimate and hold, but is billed (its usage) past the budget: the chunks
        // after it are not generated.
        generation: { template: 'qa', examples_per_chunk: 2, max_concurrent_llm: 1, max_cost_usd: 0.005 },
        quality: { checks: ['format'] },
      },
    });
    expect(job.status, job.error ?? '').toBe('completed');
    const orm = await MikroORM.init(createOrmConfig(config.database) as Parameters<typeof MikroORM.init>[0]);
    try {
      const em = orm.em.fork();
      const originals = await em.count(Chunk, { job: job.id, duplicateOf: null });
      const examples = await em.find(TrainingExample, { job: job.id });
      // asked = ok + failed: nothing vanished with the chunks that were never generated.
      expect(examples).toHaveLength(originals * 2);
      const unbudgeted = examples.filter((e) => e.error?.startsWith('budget_exhausted: '));
      // One call was made (two examples); every other chunk's two examples are budget_exhausted.
      expect(llm.requests.length - callsBefore).toBe(1);
      expect(unbudgeted).toHaveLength((originals - 1) * 2);
      for (const e of unbudgeted) {
        expect(e.status).toBe('failed');
        expect(e.error).toMatch(/max_cost_usd 0.005 reached/);
        expect(e.lineage).toMatchObject({ failureReason: 'budget_exhausted', calls: 0 });
      }
    } finally {
      await orm.close();
    }
  });

  it('fails a job that exports nothing, with one sentence saying why', async () => {
    // Loopback is refused on this install: every URL fails, and the job says so, naming the setting.
    const closed = loadConfig({ DATA_DIR: dir.path, OPENAI_BASE_URL: llm.baseUrl, LOG_LEVEL: 'silent' });
    const blocked = await runJobLocally(closed, {
      urls: [1, 2, 3].map((n) => site.url('main', `/doc/${40 + n}`)),
      jobConfig: { generation: { template: 'qa' }, quality: { checks: ['format'] } },
    });
    expect(blocked.job.status).toBe('failed');
    expect(blocked.job.error).toBe(
      'all 3 URL(s) failed: blocked_address ×3 — private networks are not allowed on this install ' +
        '(CRAWL_ALLOW_PRIVATE_NETWORKS, CRAWL_TRUSTED_HOSTS)',
    );

    // Examples generated, none good enough: a judge that rates every example 1 of 5 rejects them all.
    const harsh = await new FakeOpenAiServer({
      content: (req) =>
        String(req.body.messages?.[0]?.content ?? '').startsWith('You review training examples')
          ? JSON.stringify({ faithfulness: 1, usefulness: 1, reason: 'Not supported by the text.' })
          : qaFromPrompt(req),
    }).start();
    try {
      const open = loadConfig({
        DATA_DIR: dir.path,
        OPENAI_BASE_URL: harsh.baseUrl,
        LOG_LEVEL: 'silent',
        CRAWL_ALLOW_PRIVATE_NETWORKS: 'true',
      });
      const judged = await runJobLocally(open, {
        urls: [site.url('main', '/doc/44')],
        jobConfig: {
          generation: { template: 'qa', examples_per_chunk: 2 },
          quality: { checks: ['format', 'judge'], judge: { model: 'gpt-4o-mini' } },
        },
      });
      expect(judged.job.status).toBe('failed');
      expect(judged.job.error).toMatch(/^0 of \d+ example\(s\) passed quality control: judge failed ×\d+/);
      expect(judged.export?.recordCount).toBe(0);
    } finally {
      await harsh.stop();
    }
  });

  it('stops a job whose toxicity check cannot run before any page is fetched or any LLM call is made', async () => {
    const config = loadConfig({
      DATA_DIR: dir.path,
      OPENAI_BASE_URL: llm.baseUrl,
      LOG_LEVEL: 'silent',
      CRAWL_ALLOW_PRIVATE_NETWORKS: 'true',
    });
    const calls = llm.requests.length;
    const fetched = site.requests.length;
    // A model folder that is not there: the check cannot load its model (offline installs see the same).
    const quality = { checks: ['format', 'toxicity'], toxicity: { model: path.join(dir.path, 'no-such-model') } };
    const { job } = await runJobLocally(config, {
      urls: [site.url('main', '/doc/51'), site.url('main', '/doc/52')],
      jobConfig: { generation: { template: 'qa' }, quality },
    });
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(
      /^the toxicity check cannot run, so no example could pass: .*no-such-model.*quality\.allow_unavailable/,
    );
    expect(llm.requests.length).toBe(calls);
    expect(site.requests.length).toBe(fetched);

    // The user may say that unavailable checks are fine: then the job runs.
    const allowed = await runJobLocally(config, {
      urls: [site.url('main', '/doc/53')],
      jobConfig: { generation: { template: 'qa' }, quality: { ...quality, allow_unavailable: true } },
    });
    expect(allowed.job.status, allowed.job.error ?? '').toBe('completed');
    expect(llm.requests.length).toBeGreaterThan(calls);
  });

  it('stops a job whose LLM endpoint refuses the key or does not answer, before any page is fetched', async () => {
    const guarded = await new FakeOpenAiServer({ apiKey: 'sk-the-right-key-0001', content: qaFromPrompt }).start();
    try {
      const fetched = site.requests.length;
      const wrongKey = loadConfig({
        DATA_DIR: dir.path,
        OPENAI_BASE_URL: guarded.baseUrl,
        OPENAI_API_KEY: 'sk-a-wrong-key-0002',
        LOG_LEVEL: 'silent',
        CRAWL_ALLOW_PRIVATE_NETWORKS: 'true',
      });
      const refused = await runJobLocally(wrongKey, {
        urls: [site.url('main', '/doc/61')],
        jobConfig: { quality: { checks: ['format'] } },
      });
      expect(refused.job.status).toBe('failed');
      expect(refused.job.error).toMatch(/^the LLM endpoint http:\/\/127\.0\.0\.1:\d+\/v1 refused the API key \(401/);
      expect(refused.job.error).not.toContain('sk-a-wrong-key-0002');
      expect(guarded.modelListRequests).toBe(1);
      expect(guarded.requests).toHaveLength(0);

      const nobody = loadConfig({
        DATA_DIR: dir.path,
        OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
        LOG_LEVEL: 'silent',
        CRAWL_ALLOW_PRIVATE_NETWORKS: 'true',
      });
      const unreachable = await runJobLocally(nobody, {
        urls: [site.url('main', '/doc/62')],
        jobConfig: { quality: { checks: ['format'] } },
      });
      expect(unreachable.job.status).toBe('failed');
      expect(unreachable.job.error).toMatch(/^the LLM endpoint http:\/\/127\.0\.0\.1:9\/v1 is not reachable/);
      expect(site.requests.length).toBe(fetched);
    } finally {
      await guarded.stop();
    }
  });
});
