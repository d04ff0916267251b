/**
 * End-to-end: the built API, worker and CLI started as processes against the
 * machine's real Redis (under a key prefix of this run) and a SQLite file in
 * a temporary DATA_DIR. Nothing is faked.
 */
import { type AppProcess, builtApp, REPO_ROOT, runNode, type Stack, startStack, waitFor } from '@datafactory/testing';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe.each(['sqlite', 'postgresql'] as const)('api and worker against the real Redis and %s', (driver) => {
  let stack: Stack;
  let env: Record<string, string>;
  let api: AppProcess;
  let worker: AppProcess;
  let base: string;
  let dataDir: string;
  let startedAt: number;

  beforeAll(async () => {
    startedAt = Date.now();
    // Ready means the worker's heartbeat is in and /health counts it, within the 20 s the first test promises.
    stack = await startStack({
      workers: 1,
      database: driver === 'postgresql' ? 'postgres' : 'sqlite',
      timeoutMs: 20_000,
    });
    ({ env, api, base, dataDir } = stack);
    worker = stack.workers[0]!;
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const json = (method: string, url: string, body?: unknown) => stack.json(method, url, body);

  it('reports database, Redis and worker ok on /health within 20 s', async () => {
    const health = await waitFor(
      async () => {
        const r = await json('GET', '/health');
        return r.status === 200 ? r.body : undefined;
      },
      { timeoutMs: 20_000, what: `/health 200 (api: ${api.output().slice(-500)})` },
    );
    expect(health).toMatchObject({
      status: 'ok',
      down: [],
      database: { status: 'ok', driver },
      redis: { status: 'ok' },
      workers: { status: 'ok', count: 1 },
    });
    // The heartbeat is this run's worker's (status ok already means it is within the 15 s TTL).
    expect(Date.parse(health.workers.lastHeartbeatAt)).toBeGreaterThanOrEqual(startedAt);
    expect(Date.parse(health.workers.lastHeartbeatAt)).toBeLessThanOrEqual(Date.now());
  });

  it('creates, lists, reads, updates and deletes projects', async () => {
    const created = await json('POST', '/api/projects', {
      name: 'Rust docs',
      description: 'Q&A',
      config: { generation: { template: 'qa' } },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Rust docs',
      description: 'Q&A',
      config: { generation: { template: 'qa' } },
    });
    const id: string = created.body.id;

    await json('POST', '/api/projects', { name: 'Second' });
    const list = await json('GET', '/api/projects?page=1&pageSize=1');
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ total: 2, page: 1, pageSize: 1 });
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0].name).toBe('Second');

    expect((await json('GET', `/api/projects/${id}`)).body).toMatchObject({ id, name: 'Rust docs' });

    const updated = await json('PUT', `/api/projects/${id}`, { name: 'Rust book', description: null });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      id,
      name: 'Rust book',
      description: null,
      config: { generation: { template: 'qa' } },
    });
    expect(Date.parse(updated.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.body.updatedAt));

    expect((await json('DELETE', `/api/projects/${id}`)).status).toBe(204);
    const gone = await json('GET', `/api/projects/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.message).toBe(`project ${id} not found`);
  });

  it('answers bad payloads with 400 naming every bad or unknown field', async () => {
    const empty = await json('POST', '/api/projects', {});
    expect(empty.status).toBe(400);
    expect(empty.body.message).toMatch(/\bname\b/);
    expect(empty.body.details.every((d: string) => d.startsWith('name'))).toBe(true);

    const unknown = await json('POST', '/api/projects', { name: 'x', colour: 'red' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.details).toEqual(['property colour should not exist']);

    const wrongTypes = await json('POST', '/api/projects', { name: 42, config: 'nope' });
    expect(wrongTypes.status).toBe(400);
    expect(wrongTypes.body.message).toMatch(/name must be a string/);
    expect(wrongTypes.body.message).toMatch(/config must be an object/);

    const malformed = await json('POST', '/api/projects', '{"name": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body.message).toBe('the request body is not valid JSON');

    const huge = await json('POST', '/api/projects', { name: 'x', description: 'y'.repeat(2 * 1024 * 1024) });
    expect(huge.status).toBe(413);
    expect(huge.body.message).toBe('the request body is larger than 1mb');

    const badPage = await json('GET', '/api/projects?pageSize=1000');
    expect(badPage.status).toBe(400);
    expect(badPage.body.message).toMatch(/pageSize must not be greater than 200/);
  });

  it('answers unknown ids with 404 in the same error shape as a 400', async () => {
    const missing = await json('GET', '/api/projects/00000000-0000-4000-8000-000000000000');
    const invalid = await json('PUT', '/api/projects/not-a-uuid', { name: 'x' });
    const bad = await json('POST', '/api/projects', {});
    for (const r of [missing, invalid]) {
      expect(r.status).toBe(404);
      expect(r.body.error).toBe('Not Found');
    }
    const keys = (o: object) =>
      Object.keys(o)
        .filter((k) => k !== 'details')
        .sort();
    expect(keys(missing.body)).toEqual(keys(bad.body));
    expect(keys(missing.body)).toEqual(['error', 'message', 'path', 'requestId', 'statusCode', 'timestamp']);
    expect(missing.body.requestId).toBe(missing.headers.get('x-request-id'));
  });

  it('serves Swagger UI and an OpenAPI document that lists every route and matches the committed file', async () => {
    const ui = await fetch(`${base}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');

    const doc = await json('GET', '/docs-json');
    const routes = Object.entries(doc.body.paths as Record<string, object>).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    );
    expect(routes.sort()).toEqual(
      [
        'GET /health',
        'GET /api/projects',
        'POST /api/projects',
        'GET /api/projects/{id}',
        'PUT /api/projects/{id}',
        'DELETE /api/projects/{id}',
        'GET /api/templates',
        'GET /api/templates/{type}',
        'GET /api/jobs/{id}/quality',
        'GET /api/jobs/{id}/examples',
        'POST /api/jobs/{id}/examples/review',
        'PATCH /api/examples/{id}',
        'POST /api/projects/{id}/jobs',
        'GET /api/projects/{id}/jobs',
        'GET /api/jobs/{id}',
        'POST /api/jobs/{id}/cancel',
        'GET /api/jobs/{id}/logs',
        'GET /api/jobs/{id}/funnel',
        'GET /api/jobs/{id}/pages',
        'POST /api/jobs/{id}/refresh',
        'POST /api/projects/{id}/webhooks',
        'GET /api/projects/{id}/webhooks',
        'DELETE /api/projects/{id}/webhooks/{hookId}',
        'GET /api/projects/{id}/webhooks/{hookId}/deliveries',
        'GET /api/projects/{id}/schedule',
        'PUT /api/projects/{id}/schedule',
        'DELETE /api/projects/{id}/schedule',
        'GET /api/jobs/{id}/stream',
        'POST /api/jobs/estimate',
        'GET /api/stats/overview',
        'GET /api/stats/costs',
        'GET /api/jobs/{id}/exports',
        'POST /api/jobs/{id}/exports',
        'GET /api/exports',
        'GET /api/exports/{id}/download',
        'GET /api/exports/{id}/card',
        'POST /api/exports/{id}/publish',
        'GET /api/settings',
        'PUT /api/settings',
      ].sort(),
    );
    const committed = JSON.parse(readFileSync(path.join(REPO_ROOT, 'openapi', 'openapi.json'), 'utf8'));
    expect(doc.body).toEqual(committed);
  });

  it('lists the generation templates, built-in and DATA_DIR/templates, with a broken one named by file and line', async () => {
    const user = (name: string, userPrompt: string) => {
      const dir = path.join(dataDir, 'templates', name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        path.join(dir, 'template.json'),
        JSON.stringify({
          description: 'Glossary entries',
          schema: { type: 'object', properties: { term: { type: 'string' } }, required: ['term'] },
          input: 'Define {{ example.term }}',
          output: '{{ example.term }}',
        }),
      );
      writeFileSync(path.join(dir, 'system.njk'), 'You write glossary entries.');
      writeFileSync(path.join(dir, 'user.njk'), userPrompt);
    };
    user('glossary', 'Entries from:\n{{ chunk.text }}');
    user('broken', 'line one\n{% if chunk.text %}\nno endif');

    const list = await json('GET', '/api/templates');
    expect(list.status).toBe(200);
    expect(list.body.items.map((t: { type: string }) => t.type)).toEqual([
      'qa',
      'summarization',
      'classification',
      'instruction',
      'conversation',
      'preference',
      'rag',
      'reasoning',
      'glossary',
    ]);
    expect(list.body.items[0]).toMatchObject({ type: 'qa', source: 'builtin', examplesPerChunk: 3 });
    // Each with its example's shape (schema) and, for the built-ins, a sample the schema accepts.
    const preference = list.body.items.find((t: { type: string }) => t.type === 'preference');
    expect(preference.schema.required).toEqual(['prompt', 'chosen', 'rejected', 'flaw', 'flaw_explanation']);
    expect(Object.keys(preference.sample).sort()).toEqual([...preference.schema.required].sort());
    expect(list.body.items.find((t: { type: string }) => t.type === 'glossary').sample).toBeNull();
    expect(list.body.items[0].hash).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(list.body.errors).toEqual([
      expect.objectContaining({
        template: 'broken',
        file: path.join(dataDir, 'templates', 'broken', 'user.njk'),
        line: 3,
      }),
    ]);

    const qa = await json('GET', '/api/templates/qa');
    expect(qa.status).toBe(200);
    expect(qa.body.schema.required).toEqual(['question', 'answer']);
    expect(qa.body.systemPrompt).toMatch(/question-answer pairs/);
    expect(qa.body.userPrompt).toContain('{{ chunk.text }}');
    expect(qa.body.variables).toContainEqual({ name: 'chunk.text', description: 'the chunk text' });

    const broken = await json('GET', '/api/templates/broken');
    expect(broken.status).toBe(404);
    expect(broken.body.message).toMatch(/broken\/user\.njk:3/);
    expect((await json('GET', '/api/templates/nope')).body.message).toMatch(
      /unknown template "nope" \(available: qa, /,
    );
  });

  it('serves the built dashboard at / with an SPA fallback that leaves the API alone', async () => {
    for (const route of ['/', '/projects/123']) {
      const res = await fetch(`${base}${route}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      expect(await res.text()).toContain('<app-root');
    }
    const api404 = await json('GET', '/api/nothing-here');
    expect(api404.status).toBe(404);
    expect(api404.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });

  it('logs JSON lines with request ids and never an Authorization header', async () => {
    const res = await fetch(`${base}/api/projects/unknown`, {
      headers: { authorization: 'Bearer sk-secret-value-123', 'x-request-id': 'req-e2e-1' },
    });
    expect(res.status).toBe(404);
    expect(res.headers.get('x-request-id')).toBe('req-e2e-1');
    const line = await waitFor(
      () =>
        api
          .output()
          .split('\n')
          .find((l) => l.includes('req-e2e-1')),
      { what: 'the request log line' },
    );
    expect(JSON.parse(line)).toMatchObject({
      app: 'api',
      req: { id: 'req-e2e-1', method: 'GET' },
      res: { statusCode: 404 },
    });
    expect(api.output()).not.toContain('sk-secret-value-123');
  });

  it('runs `datafactory doctor` against the same install', async () => {
    const doctor = await runNode(builtApp('cli'), ['doctor', '--json'], env);
    const results = JSON.parse(doctor.output) as { name: string; status: string }[];
    const byName = Object.fromEntries(results.map((r) => [r.name, r.status]));
    expect(byName).toMatchObject({
      node: 'ok',
      'data dir': 'ok',
      database: 'ok',
      'sqlite wal': 'ok',
      redis: 'ok',
      workers: 'ok',
      api: 'ok',
    });
    expect(['ok', 'warn']).toContain(byName['redis persistence']);
    expect(['ok', 'warn', 'fail']).toContain(byName['disk space']);
    expect(byName.llm).toBe('warn'); // no key and no base URL in this environment
    expect(doctor.code).toBe(0);
  });

  it('stops the worker cleanly on SIGTERM and drops its heartbeat', async () => {
    const { code } = await worker.stop();
    expect(code).toBe(0);
    const health = await json('GET', '/health');
    expect(health.status).toBe(503);
    expect(health.body.down).toEqual(['workers']);
  });
});

describe('start-up configuration errors', () => {
  it('stops with one line when DATA_DIR cannot be written', async () => {
    // A folder inside a regular file can never be created, whoever runs the test (root included).
    const dataDir = path.join(REPO_ROOT, 'package.json', 'data');
    for (const app of ['api', 'worker'] as const) {
      const r = await runNode(builtApp(app), [], { DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
      expect(r.code).toBe(73);
      expect(r.output.trim()).toContain(`${app}: DATA_DIR ${dataDir} is not writable (ENOTDIR`);
      expect(r.output.trim()).toMatch(/; set DATA_DIR to a writable folder$/);
      expect(r.output.trim()).not.toContain('\n');
    }
  });

  it('stops with one line naming the bad variable', async () => {
    for (const app of ['api', 'worker', 'cli'] as const) {
      const r = await runNode(builtApp(app), app === 'cli' ? ['doctor'] : [], { PORT: 'eighty', LOG_LEVEL: 'warn' });
      expect(r.code).toBe(78);
      expect(r.output.trim()).toMatch(
        /^[\w]+: Invalid configuration: PORT must be an integer from 1 to 65535 \(got "eighty"\)$/,
      );
    }
  });
});
