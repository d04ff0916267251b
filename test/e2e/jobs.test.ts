/**
 * End-to-end: the jobs, SSE and stats API. Two built API processes on one
 * SQLite file and the machine's real Redis (under a key prefix of this run);
 * events travel between them over the Redis transport. No worker runs: the
 * stage handlers are not part of this slice, so a started job stays
 * `running` until it is cancelled. Rows a worker would write (log lines,
 * examples) are inserted straight into the SQLite file.
 */
import { MikroORM } from '@mikro-orm/core';
import { ClientRedis } from '@nestjs/microservices';
import { loadConfig } from '@datafactory/config';
import { emptyProgress, jobEventsChannel, type JobEvent, type LogLevel } from '@datafactory/contracts';
import {
  addToJobCounters,
  Chunk,
  createOrmConfig,
  Job,
  JobLog,
  RawDocument,
  TrainingExample,
} from '@datafactory/persistence';
import { SHARED_REDIS_URL, type Stack, startStack, waitFor, SseClient } from '@datafactory/testing';
import { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

describe('jobs, job events over SSE and stats, with two API processes', () => {
  let stack: Stack;
  let env: Record<string, string>;
  let baseA: string;
  let baseB: string;
  let orm: MikroORM;
  let redis: Redis;
  let projectId: string;
  const clients: SseClient[] = [];

  const call = async (base: string, method: string, url: string, body?: unknown) => {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const json = (method: string, url: string, body?: unknown) => call(baseA, method, url, body);
  const stream = async (base: string, jobId: string, headers: Record<string, string> = {}, query = '') => {
    const client = await SseClient.open(`${base}/api/jobs/${jobId}/stream${query}`, headers);
    clients.push(client);
    return client;
  };
  const startJob = async (urls = ['http://127.0.0.1:9/a', 'http://127.0.0.1:9/b']) => {
    const r = await json('POST', `/api/projects/${projectId}/jobs`, { urls });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body as { id: string };
  };

  beforeAll(async () => {
    stack = await startStack({ apis: 2, env: { OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' } });
    env = stack.env;
    [baseA, baseB] = stack.bases as [string, string];
    orm = await MikroORM.init(createOrmConfig(loadConfig({ DATA_DIR: stack.dataDir, NODE_ENV: 'test' }).database));
    redis = new Redis(SHARED_REDIS_URL);
    // Both APIs listen on this run's event channel before any test relies on it.
    await waitFor(
      async () => {
        const [, count] = (await redis.pubsub('NUMSUB', jobEventsChannel(env.REDIS_PREFIX!))) as [string, number];
        return Number(count) >= 2 ? true : undefined;
      },
      { what: 'both APIs subscribed to the job events channel' },
    );
    projectId = (await json('POST', '/api/projects', { name: 'jobs e2e' })).body.id;
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await orm?.close();
    redis?.disconnect();
    await stack?.stop();
  });

  it('starts a job: 201, running, the crawler total is the number of distinct URLs', async () => {
    const r = await json('POST', `/api/projects/${projectId}/jobs`, {
      urls: ['http://127.0.0.1:9/a', 'http://127.0.0.1:9/b', 'http://127.0.0.1:9/a#top', 'https://127.0.0.1:9/c'],
      config: { generation: { examples_per_chunk: 2 } },
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      projectId,
      status: 'running',
      stage: 'crawler',
      urlCount: 3,
      costTotal: 0,
      error: null,
      completedAt: null,
      progress: { crawler: { total: 3, done: 0, failed: 0 }, refiner: { total: 0, done: 0, failed: 0 } },
      config: { generation: { examples_per_chunk: 2, template: 'qa' }, export: { format: 'jsonl' } },
    });
    expect(r.body.config).not.toHaveProperty('urls');
    expect(r.body.startedAt).toEqual(expect.any(String));
    expect(r.body.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('lists every bad URL with its index in the 400', async () => {
    const r = await json('POST', `/api/projects/${projectId}/jobs`, {
      urls: ['http://ok.example/', 'ftp://files.example/x', 'not a url', 42, 'https://fine.example/'],
    });
    expect(r.status).toBe(400);
    expect(r.body.details).toEqual([
      'urls[1] "ftp://files.example/x" must use http or https',
      'urls[2] "not a url" is not a URL',
      'urls[3] must be a non-empty string',
    ]);
    expect(r.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });

    for (const body of [{}, { urls: 'http://x.example/' }, { urls: [] }]) {
      const bad = await json('POST', `/api/projects/${projectId}/jobs`, body);
      expect(bad.status).toBe(400);
      expect(bad.body.message).toMatch(/urls/);
    }
  });

  it('names unknown and mistyped config fields in the 400', async () => {
    const r = await json('POST', `/api/projects/${projectId}/jobs`, {
      urls: ['http://ok.example/'],
      config: { scraping: { max_concurent: 3 }, generation: { examples_per_chunk: 'three' }, colour: {} },
    });
    expect(r.status).toBe(400);
    expect(r.body.details).toEqual(
      expect.arrayContaining([
        expect.stringContaining('config.scraping.max_concurent'),
        expect.stringContaining('config.generation.examples_per_chunk'),
        expect.stringContaining('config.colour'),
      ]),
    );
    const unknownTop = await json('POST', `/api/projects/${projectId}/jobs`, { urls: ['http://ok.example/'], x: 1 });
    expect(unknownTop.status).toBe(400);
    expect(unknownTop.body.details).toEqual(['property x should not exist']);
  });

  it('refuses an unknown template with a 400 naming the ones there are, and starts no job', async () => {
    const before = await json('GET', `/api/projects/${projectId}/jobs`);
    // "summary" is what the dashboard's dropdown used to send; the template is "summarization".
    const r = await json('POST', `/api/projects/${projectId}/jobs`, {
      urls: ['http://ok.example/'],
      config: { generation: { template: 'summary' } },
    });
    expect(r.status).toBe(400);
    expect(r.body.details).toEqual([
      'config.generation.template "summary" is not a template of this install ' +
        '(available: qa, summarization, classification, instruction, conversation, preference, rag, reasoning, none)',
    ]);
    const estimate = await json('POST', '/api/jobs/estimate', {
      urls: ['http://ok.example/'],
      config: { generation: { template: 'summary' } },
    });
    expect(estimate.status).toBe(400);
    expect((await json('GET', `/api/projects/${projectId}/jobs`)).body.total).toBe(before.body.total);
  });

  it('refuses the judge check without a judge model, listing it with the other problems, and starts no job', async () => {
    const before = await json('GET', `/api/projects/${projectId}/jobs`);
    const r = await json('POST', `/api/projects/${projectId}/jobs`, {
      urls: ['http://ok.example/'],
      config: { generation: { template: 'summary' }, quality: { checks: ['format', 'judge'] } },
    });
    expect(r.status).toBe(400);
    expect(r.body.details).toEqual([
      expect.stringMatching(/^config\.generation\.template "summary" is not a template/),
      expect.stringMatching(/^config\.quality\.judge\.model must be set when quality\.checks includes "judge"/),
    ]);
    expect((await json('GET', `/api/projects/${projectId}/jobs`)).body.total).toBe(before.body.total);
    // With the model named, the same check is accepted.
    const named = await json('POST', `/api/projects/${projectId}/jobs`, {
      urls: ['http://ok.example/'],
      config: { quality: { checks: ['format', 'judge'], judge: { model: 'gpt-4o-mini' } } },
    });
    expect(named.status, JSON.stringify(named.body)).toBe(201);
  });

  it('answers 404 for an unknown project or job', async () => {
    for (const [method, url] of [
      ['POST', `/api/projects/${UNKNOWN_ID}/jobs`],
      ['GET', `/api/projects/${UNKNOWN_ID}/jobs`],
      ['GET', '/api/projects/not-a-uuid/jobs'],
      ['GET', `/api/jobs/${UNKNOWN_ID}`],
      ['POST', `/api/jobs/${UNKNOWN_ID}/cancel`],
      ['GET', `/api/jobs/${UNKNOWN_ID}/logs`],
      ['GET', `/api/jobs/${UNKNOWN_ID}/stream`],
    ] as const) {
      const r = await json(method, url, method === 'POST' ? { urls: ['http://ok.example/'] } : undefined);
      expect(r.status, `${method} ${url}`).toBe(404);
      expect(r.body).toMatchObject({
        statusCode: 404,
        error: 'Not Found',
        message: expect.stringMatching(/not found/),
      });
    }
  });

  it("lists a project's jobs newest first, paged, and reads one", async () => {
    const other = (await json('POST', '/api/projects', { name: 'list test' })).body.id as string;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await json('POST', `/api/projects/${other}/jobs`, { urls: [`http://127.0.0.1:9/${i}`] });
      ids.push(r.body.id);
    }
    const page1 = await json('GET', `/api/projects/${other}/jobs?page=1&pageSize=2`);
    expect(page1.status).toBe(200);
    expect(page1.body).toMatchObject({ total: 3, page: 1, pageSize: 2 });
    const page2 = await json('GET', `/api/projects/${other}/jobs?page=2&pageSize=2`);
    const listed = [...page1.body.items, ...page2.body.items].map((j: { id: string }) => j.id);
    expect(new Set(listed)).toEqual(new Set(ids));
    const created = [...page1.body.items, ...page2.body.items].map((j: { createdAt: string }) => j.createdAt);
    expect(created).toEqual([...created].sort().reverse());

    const one = await json('GET', `/api/jobs/${ids[0]}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: ids[0], projectId: other, status: 'running', urlCount: 1 });
    expect(Object.keys(one.body.progress)).toEqual(['crawler', 'refiner', 'generator', 'inspector', 'exporter']);
  });

  it('cancels a job: cancelled with a completion time, and again changes nothing', async () => {
    const { id } = await startJob();
    const first = await json('POST', `/api/jobs/${id}/cancel`);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ id, status: 'cancelled' });
    expect(first.body.completedAt).toEqual(expect.any(String));
    const again = await json('POST', `/api/jobs/${id}/cancel`);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id, status: 'cancelled', completedAt: first.body.completedAt });
    expect((await json('GET', `/api/jobs/${id}`)).body.status).toBe('cancelled');
    const logs = await json('GET', `/api/jobs/${id}/logs?level=warn`);
    expect(logs.body.items.map((l: { message: string }) => l.message)).toEqual([
      'job cancelled; finished items are kept',
    ]);
  });

  it('pages log lines by id and filters them by minimum level', async () => {
    const { id } = await startJob();
    const em = orm.em.fork();
    const levels: LogLevel[] = ['debug', 'info', 'warn', 'error', 'debug', 'info', 'warn', 'error'];
    for (const [i, level] of levels.entries()) {
      em.create(JobLog, { job: em.getReference(Job, id), level, stage: 'crawler', message: `line ${i} ${level}` });
    }
    await em.flush();

    const all = await json('GET', `/api/jobs/${id}/logs?pageSize=4`);
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ total: 9, page: 1, pageSize: 4 });
    expect(all.body.items[0]).toMatchObject({ level: 'info', message: 'job started with 2 URL(s)', stage: 'crawler' });
    const page3 = await json('GET', `/api/jobs/${id}/logs?pageSize=4&page=3`);
    expect(page3.body.items.map((l: { message: string }) => l.message)).toEqual(['line 7 error']);
    const ids = [...all.body.items, ...(await json('GET', `/api/jobs/${id}/logs?pageSize=4&page=2`)).body.items].map(
      (l: { id: number }) => l.id,
    );
    expect(ids).toEqual([...ids].sort((a, b) => a - b));

    const warn = await json('GET', `/api/jobs/${id}/logs?level=warn`);
    expect(warn.body.total).toBe(4);
    expect(warn.body.items.map((l: { level: string }) => l.level)).toEqual(['warn', 'error', 'warn', 'error']);
    const error = await json('GET', `/api/jobs/${id}/logs?level=error`);
    expect(error.body.items.map((l: { message: string }) => l.message)).toEqual(['line 3 error', 'line 7 error']);
    const debug = await json('GET', `/api/jobs/${id}/logs?level=debug`);
    expect(debug.body.total).toBe(9);

    const after = await json('GET', `/api/jobs/${id}/logs?after=${ids[4]}&level=info`);
    expect(after.body.items.map((l: { message: string }) => l.message)).toEqual([
      'line 5 info',
      'line 6 warn',
      'line 7 error',
    ]);

    const bad = await json('GET', `/api/jobs/${id}/logs?level=loud&after=-1`);
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual(
      expect.arrayContaining([expect.stringMatching(/^level must be one of/), expect.stringMatching(/^after/)]),
    );
  });

  it('streams the replayed state, then the log and done events of a cancel, and closes', async () => {
    const { id } = await startJob();
    const sse = await stream(baseA, id);
    expect(sse.response.status).toBe(200);
    expect(sse.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(sse.response.headers.get('cache-control')).toMatch(/no-cache/);
    expect(sse.response.headers.get('x-accel-buffering')).toBe('no');

    const started = await sse.next((e) => e.event === 'log', 'the stored log line');
    expect(sse.events.slice(0, 3).map((e) => e.event)).toEqual(['stage', 'progress', 'log']);
    expect(sse.events[0]!.data).toMatchObject({ type: 'stage', jobId: id, status: 'running', stage: 'crawler' });
    expect(sse.events[1]!.data).toMatchObject({ type: 'progress', jobId: id, costTotal: 0 });
    expect(sse.events[1]!.data.progress.crawler).toEqual({ total: 2, done: 0, failed: 0 });
    expect(started.data).toMatchObject({ type: 'log', level: 'info', message: 'job started with 2 URL(s)' });
    expect(started.id).toBe(String(started.data.id));
    expect(sse.events[0]!.id).toBeUndefined();

    expect((await json('POST', `/api/jobs/${id}/cancel`)).status).toBe(200);
    const cancelled = await sse.next((e) => e.event === 'log' && e.data.level === 'warn', 'the cancel log line');
    expect(Number(cancelled.id)).toBeGreaterThan(Number(started.id));
    expect(cancelled.data.message).toBe('job cancelled; finished items are kept');
    const done = await sse.next((e) => e.event === 'done', 'done');
    expect(done.data).toMatchObject({ type: 'done', jobId: id, status: 'cancelled', error: null });
    await sse.closedByServer();
    expect(sse.events.at(-1)!.event).toBe('done');
    expect(sse.events.filter((e) => e.event === 'log').map((e) => e.id)).toEqual([started.id, cancelled.id]);
  });

  it('sends a reconnecting client (Last-Event-ID header or ?lastEventId=) only the log lines it missed', async () => {
    const { id } = await startJob();
    const em = orm.em.fork();
    for (const i of [1, 2, 3]) {
      em.create(JobLog, { job: em.getReference(Job, id), level: 'info', message: `page ${i} fetched` });
    }
    await em.flush();
    const first = await stream(baseA, id);
    const second = await first.next((e) => e.data.message === 'page 2 fetched', 'the stored lines');
    first.close();

    expect((await json('POST', `/api/jobs/${id}/cancel`)).status).toBe(200);
    for (const resume of [
      () => stream(baseA, id, { 'last-event-id': second.id! }),
      () => stream(baseB, id, {}, `?lastEventId=${second.id}`),
    ]) {
      const again = await resume();
      await again.closedByServer();
      expect(again.events.map((e) => e.event)).toEqual(['stage', 'progress', 'log', 'log', 'done']);
      expect(again.events[0]!.data).toMatchObject({ status: 'cancelled' });
      expect(again.events.filter((e) => e.event === 'log').map((e) => e.data.message)).toEqual([
        'page 3 fetched',
        'job cancelled; finished items are kept',
      ]);
      expect(again.events.at(-1)!.data).toMatchObject({ status: 'cancelled' });
    }
  });

  it('streams one job on two API processes; a cancel through the second reaches the first over Redis', async () => {
    const { id } = await startJob();
    const onA = await stream(baseA, id);
    const onB = await stream(baseB, id);
    await Promise.all([onA, onB].map((c) => c.next((e) => e.event === 'log', 'the replayed log line')));

    expect((await call(baseB, 'POST', `/api/jobs/${id}/cancel`)).status).toBe(200);
    for (const sse of [onA, onB]) {
      const log = await sse.next((e) => e.event === 'log' && e.data.level === 'warn', 'the cancel log line');
      expect(log.data.message).toBe('job cancelled; finished items are kept');
      expect((await sse.next((e) => e.event === 'stage' && e.data.status === 'cancelled', 'stage')).data.jobId).toBe(
        id,
      );
      expect((await sse.next((e) => e.event === 'done', 'done')).data.status).toBe('cancelled');
      await sse.closedByServer();
    }
    expect(onA.events.map((e) => e.data.id ?? e.event)).toEqual(onB.events.map((e) => e.data.id ?? e.event));
  });

  it("relays a worker's progress events live, counters never going back", async () => {
    const { id } = await startJob();
    const sse = await stream(baseB, id);
    await sse.next((e) => e.event === 'log', 'the replayed log line');
    const worker = new ClientRedis({ host: '127.0.0.1', port: 6379 });
    try {
      const progress = (done: number, cost: number): JobEvent => {
        const p = emptyProgress();
        p.crawler = { total: 2, done, failed: 0 };
        return { type: 'progress', jobId: id, progress: p, costTotal: cost, at: new Date().toISOString() };
      };
      const channel = jobEventsChannel(env.REDIS_PREFIX!);
      const publish = (event: JobEvent) => lastValueFrom(worker.emit(channel, event), { defaultValue: undefined });
      await publish(progress(2, 0.5));
      const live = await sse.next((e) => e.event === 'progress' && e.data.costTotal === 0.5, 'the live progress');
      expect(live.data.progress.crawler).toEqual({ total: 2, done: 2, failed: 0 });
      // A stale snapshot (another worker's, sent earlier but delivered later) does not move the counters back.
      await publish(progress(1, 0.25));
      await publish({
        type: 'stage',
        jobId: id,
        status: 'running',
        stage: 'refiner',
        at: new Date().toISOString(),
      });
      await sse.next((e) => e.event === 'stage' && e.data.stage === 'refiner', 'the live stage');
      const counters = sse.events.filter((e) => e.event === 'progress').map((e) => e.data.progress.crawler.done);
      expect(counters).toEqual([0, 2, 2]);
      expect(sse.events.filter((e) => e.event === 'progress').at(-1)!.data.costTotal).toBe(0.5);
    } finally {
      await worker.close();
    }
  });

  it('streams a job that is already final: the state, its log lines, done, and the end', async () => {
    const { id } = await startJob();
    await json('POST', `/api/jobs/${id}/cancel`);
    const sse = await stream(baseA, id);
    await sse.closedByServer();
    expect(sse.events.map((e) => e.event)).toEqual(['stage', 'progress', 'log', 'log', 'done']);
  });

  it('adds up the stats overview and the per-day, per-model costs', async () => {
    const before = (await json('GET', '/api/stats/overview')).body;
    const { id } = await startJob();
    const cancelled = await startJob();
    await json('POST', `/api/jobs/${cancelled.id}/cancel`);

    const em = orm.em.fork();
    const job = em.getReference(Job, id);
    const doc = em.create(RawDocument, { job, url: 'http://127.0.0.1:9/a' });
    const chunk = em.create(Chunk, { document: doc, job, content: 'text', tokenCount: 1, chunkIndex: 0 });
    const now = Date.now();
    const day = 86_400_000;
    const examples = [
      { model: 'gpt-4o-mini', cost: 0.001, at: now, status: 'ok' },
      { model: 'gpt-4o-mini', cost: 0.002, at: now, status: 'ok' },
      { model: 'llama3', cost: 0.004, at: now, status: 'failed' },
      { model: 'gpt-4o-mini', cost: 0.008, at: now - 2 * day, status: 'ok' },
      { model: 'llama3', cost: null, at: now - 2 * day, status: 'ok' },
      { model: 'gpt-4o-mini', cost: 0.016, at: now - 10 * day, status: 'ok' },
    ] as const;
    for (const e of examples) {
      em.create(TrainingExample, {
        chunk,
        job,
        templateType: 'qa',
        inputText: 'q',
        outputText: 'a',
        modelUsed: e.model,
        cost: e.cost,
        status: e.status,
        createdAt: new Date(e.at),
      });
    }
    await em.flush();
    const spent = examples.reduce((sum, e) => sum + (e.cost ?? 0), 0);
    await addToJobCounters(em, id, { cost: spent });

    const after = (await json('GET', '/api/stats/overview')).body;
    expect(after.totalJobs - before.totalJobs).toBe(2);
    expect(after.activeJobs - before.activeJobs).toBe(1);
    expect(after.examplesGenerated - before.examplesGenerated).toBe(5);
    expect(after.totalCost - before.totalCost).toBeCloseTo(spent, 9);

    const costs = await json('GET', '/api/stats/costs?days=7');
    expect(costs.status).toBe(200);
    const dayOf = (t: number) => new Date(t).toISOString().slice(0, 10);
    expect(costs.body).toMatchObject({
      days: 7,
      from: dayOf(now - 6 * day),
      to: dayOf(now),
      models: ['gpt-4o-mini', 'llama3'],
    });
    expect(costs.body.daily.map((d: { date: string }) => d.date)).toEqual(
      Array.from({ length: 7 }, (_, i) => dayOf(now - (6 - i) * day)),
    );
    const byDate = Object.fromEntries(costs.body.daily.map((d: { date: string }) => [d.date, d]));
    expect(byDate[dayOf(now)]).toEqual({
      date: dayOf(now),
      cost: 0.007,
      examples: 3,
      byModel: { 'gpt-4o-mini': 0.003, llama3: 0.004 },
    });
    expect(byDate[dayOf(now - 2 * day)]).toEqual({
      date: dayOf(now - 2 * day),
      cost: 0.008,
      examples: 2,
      byModel: { 'gpt-4o-mini': 0.008, llama3: 0 },
    });
    expect(byDate[dayOf(now - day)]).toEqual({
      date: dayOf(now - day),
      cost: 0,
      examples: 0,
      byModel: { 'gpt-4o-mini': 0, llama3: 0 },
    });
    expect(costs.body.totalCost).toBeCloseTo(0.015, 9);

    const month = await json('GET', '/api/stats/costs?days=30');
    expect(month.body.daily).toHaveLength(30);
    expect(month.body.totalCost).toBeCloseTo(0.031, 9);
    const defaults = await json('GET', '/api/stats/costs');
    expect(defaults.body.days).toBe(7);
    for (const days of ['0', '91', 'x']) {
      const bad = await json('GET', `/api/stats/costs?days=${days}`);
      expect(bad.status, days).toBe(400);
      expect(bad.body.message).toMatch(/days/);
    }
  });
});
