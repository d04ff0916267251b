/**
 * Integration: a job's funnel computed from its stored rows, on SQLite and on
 * PostgreSQL (whose JSON reads differ), after a real run in one process: the
 * fixture site on 127.0.0.1 (one host trusted, one not), the fake
 * OpenAI-compatible server (one reply short of an example), the real stages.
 */
import { loadConfig } from '@datafactory/config';
import { runJobLocally } from '@datafactory/pipeline/worker';
import {
  dropPostgresSchema,
  FakeOpenAiServer,
  FixtureSite,
  qaFromPrompt,
  TEST_POSTGRES_URL,
  tempDir,
  uniqueSchema,
} from '@datafactory/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPECTED, funnelNumbers, funnelScenario } from './funnel-scenario.js';

describe.each(['sqlite', 'postgresql'])('the funnel of a job that loses rows at every stage, on %s', (driver) => {
  let site: FixtureSite;
  let llm: FakeOpenAiServer;
  let dir: { path: string; remove: () => Promise<void> };
  const schema = uniqueSchema();

  beforeAll(async () => {
    site = await FixtureSite.start({ hosts: ['main', 'other'] });
    llm = await new FakeOpenAiServer({ content: funnelScenario(site).content }).start();
    dir = await tempDir();
  });
  afterAll(async () => {
    await site?.close();
    await llm?.stop();
    await dir?.remove();
    if (driver === 'postgresql') await dropPostgresSchema(TEST_POSTGRES_URL, schema);
  });

  it('counts every URL, page, chunk and example, with the reason of every drop, and each stage adds up', async () => {
    const scenario = funnelScenario(site);
    const config = loadConfig({
      DATA_DIR: dir.path,
      OPENAI_BASE_URL: llm.baseUrl,
      LOG_LEVEL: 'silent',
      CRAWL_TRUSTED_HOSTS: scenario.trustedHosts,
      ...(driver === 'postgresql' ? { DATABASE_URL: `${TEST_POSTGRES_URL}?schema=${schema}` } : {}),
    });
    const {
      job,
      funnel,
      export: exported,
    } = await runJobLocally(config, {
      urls: scenario.urls,
      jobConfig: scenario.jobConfig,
    });
    expect(job.status, job.error ?? '').toBe('completed');
    expect(funnel).not.toBeNull();
    expect(funnelNumbers(funnel!)).toEqual(EXPECTED);
    expect(funnel!.holds).toBe(true);
    expect(funnel!.stages.every((s) => s.holds)).toBe(true);
    expect(funnel).toMatchObject({ final: true, urlsGiven: 6, urlsDiscovered: 0, examplesPerChunk: 2, exported: 5 });
    // The fake server saw one call per original chunk: the duplicate was never sent.
    expect(llm.requests).toHaveLength(3);

    // The card says the same.
    const card = exported!.datasetCard!;
    expect(card).toContain('## Where the rows went');
    expect(card).toContain('| fetch | 6 urls | ok 4 | failed 2 (blocked_address ×2) | yes |');
    expect(card).toContain('| deduplicate chunks | 4 chunks | original 3 | exact duplicate 1 | yes |');
    expect(card).toContain('| generate examples | 6 examples | ok 5 | failed 1 (too_few_examples ×1) | yes |');
    expect(card).toContain('| export | 5 examples | exported 5 | — | yes |');
    expect(card).toContain('Every stage adds up');
  });

  it('counts the examples of chunks stopped by the budget as failed with budget_exhausted', async () => {
    const scenario = funnelScenario(site, 650);
    const plain = await new FakeOpenAiServer({ content: qaFromPrompt }).start();
    try {
      const config = loadConfig({
        DATA_DIR: dir.path,
        OPENAI_BASE_URL: plain.baseUrl,
        LOG_LEVEL: 'silent',
        CRAWL_TRUSTED_HOSTS: scenario.trustedHosts,
        ...(driver === 'postgresql' ? { DATABASE_URL: `${TEST_POSTGRES_URL}?schema=${schema}` } : {}),
      });
      // One call at a time, and a budget the first call spends: it fits the call's estimate and hold, but the
      // provider bills it far more (its usage), so later chunks are not sent.
      plain.enqueue({ usage: { prompt_tokens: 100_000, completion_tokens: 100, total_tokens: 100_100 } });
      const { job, funnel } = await runJobLocally(config, {
        urls: scenario.urls,
        jobConfig: {
          ...scenario.jobConfig,
          generation: { ...scenario.jobConfig.generation, max_concurrent_llm: 1, max_cost_usd: 0.005 },
        },
      });
      expect(job.status, job.error ?? '').toBe('completed');
      // One Generator per job in the process holds the budget: one call, then every other example asked ran out.
      expect(plain.requests).toHaveLength(1);
      expect(funnelNumbers(funnel!).generate).toEqual({
        input: 6,
        ok: 2,
        failed: 4,
        reasons: { failed: [{ code: 'budget_exhausted', count: 4 }] },
      });
      expect(funnel!.holds).toBe(true);
    } finally {
      await plain.stop();
    }
  });
});
