/**
 * End-to-end: the jobs and stats API on PostgreSQL (its own schema in the
 * shared `test` database, dropped afterwards), where the stats SQL differs
 * from SQLite's (timestamptz instead of epoch milliseconds).
 */
import { MikroORM } from '@mikro-orm/core';
import { loadConfig } from '@datafactory/config';
import { addToJobCounters, Chunk, createOrmConfig, Job, RawDocument, TrainingExample } from '@datafactory/persistence';
import { type Stack, startStack } from '@datafactory/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('jobs and stats on PostgreSQL', () => {
  let stack: Stack;
  let orm: MikroORM;
  const json = (method: string, url: string, body?: unknown) => stack.json(method, url, body);

  beforeAll(async () => {
    stack = await startStack({
      database: 'postgres',
      env: { OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' }, // required to start a job; never called (no worker here)
    });
    orm = await MikroORM.init(createOrmConfig(loadConfig({ ...stack.env, NODE_ENV: 'test' }).database));
  });

  afterAll(async () => {
    await orm?.close();
    await stack?.stop();
  });

  it('starts, lists, cancels a job, pages its logs, and adds up the stats', async () => {
    const project = (await json('POST', '/api/projects', { name: 'pg' })).body.id as string;
    const started = await json('POST', `/api/projects/${project}/jobs`, { urls: ['http://127.0.0.1:9/a'] });
    expect(started.status).toBe(201);
    const id = started.body.id as string;
    expect((await json('GET', `/api/projects/${project}/jobs`)).body).toMatchObject({ total: 1, items: [{ id }] });
    expect((await json('POST', `/api/jobs/${id}/cancel`)).body.status).toBe('cancelled');
    const warn = await json('GET', `/api/jobs/${id}/logs?level=warn`);
    expect(warn.body).toMatchObject({ total: 1, items: [{ level: 'warn' }] });

    const em = orm.em.fork();
    const job = em.getReference(Job, id);
    const doc = em.create(RawDocument, { job, url: 'http://127.0.0.1:9/a' });
    const chunk = em.create(Chunk, { document: doc, job, content: 'text', tokenCount: 1, chunkIndex: 0 });
    const now = Date.now();
    for (const [model, cost, daysAgo] of [
      ['gpt-4o-mini', 0.001, 0],
      ['gpt-4o-mini', 0.002, 1],
      ['llama3', 0.004, 1],
    ] as const) {
      em.create(TrainingExample, {
        chunk,
        job,
        templateType: 'qa',
        inputText: 'q',
        outputText: 'a',
        modelUsed: model,
        cost,
        createdAt: new Date(now - daysAgo * 86_400_000),
      });
    }
    await em.flush();
    await addToJobCounters(em, id, { cost: 0.007 });

    expect((await json('GET', '/api/stats/overview')).body).toEqual({
      totalJobs: 1,
      activeJobs: 0,
      examplesGenerated: 3,
      totalCost: 0.007,
    });
    const costs = (await json('GET', '/api/stats/costs?days=3')).body;
    const dayOf = (t: number) => new Date(t).toISOString().slice(0, 10);
    expect(costs.models).toEqual(['llama3', 'gpt-4o-mini']);
    expect(costs.totalCost).toBeCloseTo(0.007, 9);
    expect(costs.daily).toEqual([
      { date: dayOf(now - 2 * 86_400_000), cost: 0, examples: 0, byModel: { llama3: 0, 'gpt-4o-mini': 0 } },
      { date: dayOf(now - 86_400_000), cost: 0.006, examples: 2, byModel: { llama3: 0.004, 'gpt-4o-mini': 0.002 } },
      { date: dayOf(now), cost: 0.001, examples: 1, byModel: { llama3: 0, 'gpt-4o-mini': 0.001 } },
    ]);
  });
});
