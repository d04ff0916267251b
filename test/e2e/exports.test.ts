/**
 * End-to-end: the built API started as a process against the machine's real
 * Redis (under a key prefix of this run) and a SQLite file or a fresh
 * PostgreSQL schema; a completed job with examples is written straight into
 * that database (the pipeline that would produce it is not under test here).
 * Exports are created, listed, downloaded (streamed) and their cards read
 * over HTTP. Nothing is faked.
 */
import { type AppProcess, type Stack, startStack } from '@datafactory/testing';
import { DuckDBInstance } from '@duckdb/node-api';
import { parse as parseContentDisposition } from 'content-disposition';
import { parse as parseCsv } from 'csv-parse/sync';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { Job } from '@datafactory/persistence';
import { JobStatus } from '@datafactory/contracts';
import {
  type Driver,
  openAiFormatErrors,
  openTestDatabase,
  seedJob,
  type SeededJob,
  type TestDatabase,
} from '../integration/exporter-helpers.js';

const KEY = 'sk-e2e-DO-NOT-LEAK-0123456789abcdef';

describe.each(['sqlite', 'postgresql'] as Driver[])('exports over HTTP on %s', (driver) => {
  let t: TestDatabase;
  let stack: Stack;
  let dataDir: string;
  let api: AppProcess;
  let base: string;
  let seeded: SeededJob;

  beforeAll(async () => {
    t = await openTestDatabase(driver); // migrated here; the API only opens it
    seeded = await seedJob(t.orm.em, { secret: KEY });
    stack = await startStack({ env: { DATABASE_URL: t.url, OPENAI_API_KEY: KEY } });
    ({ dataDir, api, base } = stack);
  });

  afterAll(async () => {
    await stack?.stop();
    await t?.close();
  });

  const json = (method: string, url: string, body?: unknown) => stack.json(method, url, body);

  it('creates an export of a completed job and lists it for the job and in the download center', async () => {
    const created = await json('POST', `/api/jobs/${seeded.jobId}/exports`, { format: 'csv', license: 'mit' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      jobId: seeded.jobId,
      projectId: seeded.projectId,
      format: 'csv',
      recordCount: seeded.passed.length,
      files: [{ split: 'train', file: 'data.csv', records: seeded.passed.length }],
      downloadUrl: `/api/exports/${created.body.id}/download`,
      cardUrl: `/api/exports/${created.body.id}/card`,
    });
    expect(created.body.version).toMatch(/^\d{8}T\d{9}Z(-\d+)?$/);

    const again = await json('POST', `/api/jobs/${seeded.jobId}/exports`, { format: 'openai' });
    expect(again.status).toBe(201);
    expect(again.body.version).not.toBe(created.body.version);

    const forJob = await json('GET', `/api/jobs/${seeded.jobId}/exports`);
    expect(forJob.status).toBe(200);
    expect(forJob.body.items.map((e: { id: string }) => e.id)).toEqual(
      expect.arrayContaining([created.body.id, again.body.id]),
    );
    const all = await json('GET', '/api/exports?page=1&pageSize=50');
    expect(all.status).toBe(200);
    expect(all.body.total).toBeGreaterThanOrEqual(2);
    expect(all.body.items.map((e: { id: string }) => e.id)).toEqual(
      expect.arrayContaining([created.body.id, again.body.id]),
    );
  });

  it('streams a download with its content type and Content-Disposition, readable by an independent parser', async () => {
    const { body: exp } = await json('POST', `/api/jobs/${seeded.jobId}/exports`, { format: 'csv' });
    const res = await fetch(`${base}${exp.downloadUrl}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/);
    // Written by the content-disposition package (RFC 6266); read back by its parser.
    expect(parseContentDisposition(res.headers.get('content-disposition')!)).toEqual({
      type: 'attachment',
      parameters: { filename: `exporter-test-${exp.version}-data.csv` },
    });
    const text = await res.text();
    expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(text));
    const records = parseCsv(text, { columns: true }) as Record<string, string>[];
    expect(records.map((r) => r.id).sort()).toEqual([...seeded.passed].sort());
    expect(records.some((r) => r.output.includes('שלום') || r.input.includes('👩‍💻'))).toBe(true);

    const { body: openai } = await json('POST', `/api/jobs/${seeded.jobId}/exports`, { format: 'openai' });
    const jsonl = await fetch(`${base}${openai.downloadUrl}`);
    expect(jsonl.headers.get('content-type')).toMatch(/^application\/jsonl/);
    expect(openAiFormatErrors((await jsonl.text()).split('\n').filter(Boolean))).toEqual({});
  });

  it('downloads Parquet that DuckDB reads, and each split of a split export', async () => {
    const { body: exp } = await json('POST', `/api/jobs/${seeded.jobId}/exports`, {
      format: 'parquet',
      split: { train: 0.5, validation: 0.25, test: 0.25 },
      seed: 3,
    });
    expect(exp.files.length).toBeGreaterThan(1);
    let total = 0;
    const domains: string[] = [];
    for (const f of exp.files as { split: string; records: number; downloadUrl: string }[]) {
      const res = await fetch(`${base}${f.downloadUrl}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/vnd.apache.parquet');
      const file = path.join(dataDir, `download-${driver}-${f.split}.parquet`);
      writeFileSync(file, Buffer.from(await res.arrayBuffer()));
      const instance = await DuckDBInstance.create(':memory:');
      const connection = await instance.connect();
      const rows = (
        await connection.runAndReadAll(`select distinct domain, count(*) over () as n from read_parquet('${file}')`)
      ).getRowObjectsJS() as { domain: string; n: bigint }[];
      connection.closeSync();
      instance.closeSync();
      expect(Number(rows[0]!.n)).toBe(f.records);
      total += f.records;
      domains.push(...rows.map((r) => r.domain));
    }
    expect(total).toBe(seeded.passed.length);
    expect(new Set(domains).size).toBe(domains.length);

    const missing =
      exp.files.length === 3
        ? undefined
        : ['train', 'validation', 'test'].find((s) => !exp.files.some((f: { split: string }) => f.split === s));
    if (missing) expect((await json('GET', `${exp.downloadUrl}?split=${missing}`)).status).toBe(404);
    const bad = await json('GET', `${exp.downloadUrl}?split=../../etc/passwd`);
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/split must be one of/);
  });

  it('serves the card as Markdown whose front matter parses, without the API key', async () => {
    const { body: exp } = await json('POST', `/api/jobs/${seeded.jobId}/exports`, {
      format: 'jsonl',
      license: 'cc-by-4.0',
    });
    const res = await fetch(`${base}${exp.cardUrl}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/markdown; charset=utf-8/);
    const card = await res.text();
    const front = parseYaml(/^---\n([\s\S]*?)\n---\n/.exec(card)![1]!) as Record<string, unknown>;
    expect(front).toMatchObject({ license: 'cc-by-4.0', size_categories: ['n<1K'] });
    expect(card).toContain('## Limitations');
    expect(card).not.toContain(KEY);
    const download = await (await fetch(`${base}${exp.downloadUrl}`)).text();
    expect(download).not.toContain(KEY);
    expect(api.output()).not.toContain(KEY);
  });

  it('answers bad requests, unknown ids and unfinished jobs in the one error shape', async () => {
    const badFormat = await json('POST', `/api/jobs/${seeded.jobId}/exports`, { format: 'xml' });
    expect(badFormat.status).toBe(400);
    expect(badFormat.body.message).toMatch(/^format must be one of/);
    const badRatios = await json('POST', `/api/jobs/${seeded.jobId}/exports`, { split: { train: 0.5, test: 0.1 } });
    expect(badRatios.status).toBe(400);
    expect(badRatios.body.message).toBe('export.split ratios must add up to 1 (they add up to 0.6)');
    const unknownField = await json('POST', `/api/jobs/${seeded.jobId}/exports`, { colour: 'red' });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.details).toEqual(['property colour should not exist']);
    const failedOpenAi = await json('POST', `/api/jobs/${seeded.jobId}/exports`, {
      format: 'openai',
      include_failed: true,
    });
    expect(failedOpenAi.status).toBe(400);
    expect(failedOpenAi.body.message).toMatch(/^export\.include_failed/);

    const none = '00000000-0000-4000-8000-000000000000';
    for (const url of [
      `/api/jobs/${none}/exports`,
      `/api/exports/${none}/download`,
      `/api/exports/${none}/card`,
      '/api/exports/not-a-uuid/download',
      `/api/exports/..%2F..%2F..%2Fetc%2Fpasswd/download`,
    ]) {
      const r = await json('GET', url);
      expect(r.status, url).toBe(404);
      expect(Object.keys(r.body).sort()).toEqual(['error', 'message', 'path', 'requestId', 'statusCode', 'timestamp']);
    }
    expect((await json('POST', `/api/jobs/${none}/exports`, {})).status).toBe(404);

    const em = t.orm.em.fork();
    const job = await em.findOneOrFail(Job, seeded.jobId);
    job.status = JobStatus.Running;
    await em.flush();
    try {
      const running = await json('POST', `/api/jobs/${seeded.jobId}/exports`, {});
      expect(running.status).toBe(409);
      expect(running.body.message).toBe(`job ${seeded.jobId} is running: it can be exported once it has finished`);
    } finally {
      job.status = JobStatus.Completed;
      await em.flush();
    }
  });
});
