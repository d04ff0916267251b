/**
 * GET /api/jobs/{id}/quality and /api/jobs/{id}/examples: the API app built
 * in-process from the sources (the same createApiApp() main() uses) against a
 * real SQLite file and the machine's Redis under a key prefix of this run.
 * Examples are written through the persistence lib and scored by the real
 * inspector (format, readability and duplicate checks; no model needed).
 */
import 'reflect-metadata';
import { MikroORM } from '@mikro-orm/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { loadConfig } from '@datafactory/config';
import { ExampleStatus } from '@datafactory/contracts';
import { Inspector, loadExamplesToInspect, resolveQualityConfig, saveInspectionResults } from '@datafactory/inspector';
import {
  Chunk,
  createOrmConfig,
  Job,
  migrateDatabase,
  Project,
  RawDocument,
  TrainingExample,
} from '@datafactory/persistence';
import { deleteRedisKeys, tempDir, uniqueRedisPrefix } from '@datafactory/testing';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiApp } from '../../apps/api/src/bootstrap.js';

const REDIS_URL = 'redis://127.0.0.1:6379';

describe('quality API', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let app: NestExpressApplication;
  let base: string;
  let prefix: string;
  let jobId: string;
  let emptyJobId: string;

  beforeAll(async () => {
    dir = await tempDir('df-inspector-api-');
    prefix = uniqueRedisPrefix();
    const config = loadConfig({
      DATA_DIR: dir.path,
      REDIS_URL,
      REDIS_PREFIX: prefix,
      LOG_LEVEL: 'silent',
      DASHBOARD_DIR: path.join(dir.path, 'no-dashboard'),
    });
    await migrateDatabase(config.database);

    const orm = await MikroORM.init(createOrmConfig(config.database));
    try {
      const em = orm.em.fork();
      const project = em.create(Project, { name: 'quality api' });
      const job = em.create(Job, { project });
      const empty = em.create(Job, { project });
      const document = em.create(RawDocument, { job, url: 'https://example.com/' });
      const chunk = em.create(Chunk, {
        document,
        job,
        content: 'Paris.',
        tokenCount: 2,
        chunkIndex: 0,
        language: 'en',
      });
      const rows = [
        ['What is the capital of France?', 'Paris is the capital of France.'],
        ['What is the capital of France?', 'Paris is the capital of France!'],
        ['Capital of France', 'As an AI language model, I cannot answer.'],
        ['How does Rust keep memory safe?', 'Ownership and borrowing rules checked at compile time.'],
      ];
      rows.forEach(([inputText, outputText], i) =>
        em.create(TrainingExample, {
          chunk,
          job,
          templateType: 'qa',
          inputText: inputText!,
          outputText: outputText!,
          modelUsed: 'gpt-4o-mini',
          status: ExampleStatus.Ok,
          tokenCount: 20 + i,
          createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
        }),
      );
      await em.flush();
      jobId = job.id;
      emptyJobId = empty.id;
      const inspector = new Inspector({
        config: resolveQualityConfig({ checks: ['format', 'readability', 'duplicates'] }),
      });
      await saveInspectionResults(orm.em, await inspector.inspect(await loadExamplesToInspect(orm.em, jobId)));
    } finally {
      await orm.close(true);
    }

    app = await createApiApp(config);
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });

  afterAll(async () => {
    await app?.close();
    await deleteRedisKeys(REDIS_URL, prefix);
    await dir?.remove();
  });

  const get = async (url: string) => {
    const res = await fetch(`${base}${url}`);
    return { status: res.status, body: JSON.parse(await res.text()) };
  };

  it('answers the quality report of a job', async () => {
    const { status, body } = await get(`/api/jobs/${jobId}/quality`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      jobId,
      total: 4,
      inspected: 4,
      passed: 2,
      failed: 2,
      passRate: 0.5,
      unavailableChecks: [],
      tokenLength: { min: 20, max: 23 },
      // The grounded check did not run on this job.
      groundedRate: null,
    });
    // `grounded` is a check the examples can be filtered by.
    const grounded = await get(`/api/jobs/${jobId}/examples?check=grounded`);
    expect(grounded.status).toBe(200);
    expect(body.checks.duplicates.reasons).toEqual([{ code: 'near_duplicate', count: 1 }]);
    expect(body.checks.format.reasons).toEqual([
      { code: 'not_a_question', count: 1 },
      { code: 'refusal', count: 1 },
    ]);
    expect(body.histogram).toHaveLength(10);
  });

  it('answers an empty report for a job with no examples yet', async () => {
    const { status, body } = await get(`/api/jobs/${emptyJobId}/quality`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ total: 0, inspected: 0, passRate: null, tokenLength: null });
  });

  it('browses examples by verdict and failed check, with reasons and paging', async () => {
    const failed = await get(`/api/jobs/${jobId}/examples?passed=false&pageSize=1`);
    expect(failed.status).toBe(200);
    expect(failed.body).toMatchObject({ total: 2, page: 1, pageSize: 1 });
    expect(failed.body.items).toHaveLength(1);
    expect(failed.body.items[0]).toMatchObject({
      outputText: 'Paris is the capital of France!',
      passedQc: false,
      qualityDetails: { failed: ['duplicates'], checks: { duplicates: { status: 'fail', codes: ['near_duplicate'] } } },
    });
    expect(typeof failed.body.items[0].qualityScore).toBe('number');

    const refusals = await get(`/api/jobs/${jobId}/examples?check=format`);
    expect(refusals.body.items.map((e: { outputText: string }) => e.outputText)).toEqual([
      'As an AI language model, I cannot answer.',
    ]);
    expect(refusals.body.items[0].qualityDetails.checks.format.reason).toMatch(/refusal/);

    const passed = await get(`/api/jobs/${jobId}/examples?passed=true`);
    expect(passed.body.total).toBe(2);
    expect(passed.body.items.every((e: { passedQc: boolean }) => e.passedQc)).toBe(true);
  });

  it('answers 400 naming a bad query parameter, and 404 for unknown jobs', async () => {
    const bad = await get(`/api/jobs/${jobId}/examples?passed=maybe&check=spelling`);
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual(
      expect.arrayContaining(['passed must be a boolean value', expect.stringMatching(/^check must be one of/)]),
    );
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      for (const route of ['quality', 'examples']) {
        const missing = await get(`/api/jobs/${id}/${route}`);
        expect(missing.status).toBe(404);
        expect(missing.body).toMatchObject({ statusCode: 404, error: 'Not Found', message: `job ${id} not found` });
      }
    }
  });
});
