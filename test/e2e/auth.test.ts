/**
 * End-to-end: with API_TOKEN set, no spelling of any route of the OpenAPI
 * document gets an answer without the token, and `?access_token=` works only
 * where a browser cannot send a header (the job stream, downloads). The built
 * API runs as a process, with a stand-in dashboard so the static files and
 * the SPA fallback are served too.
 */
import { type AppProcess, REPO_ROOT, type Stack, startStack, tempDir, waitFor } from '@datafactory/testing';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const TOKEN = 'auth-test-token-9f8e7d6c5b4a';
const SOME_ID = '00000000-0000-4000-8000-000000000000';
const DASHBOARD_HTML = '<!doctype html><title>dashboard stand-in</title>';

interface OpenApi {
  paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>;
}

/** The spellings a case-insensitive, slash-forgiving or decoding router might take for `path`. */
function spellings(path: string): Record<string, string> {
  const segments = path.split('/').slice(1);
  const encodeFirst = (i: number) =>
    `/${segments.map((s, j) => (j === i ? `%${s.charCodeAt(0).toString(16)}${s.slice(1)}` : s)).join('/')}`;
  const all: Record<string, string> = {
    exact: path,
    upper: path.toUpperCase(),
    mixed: `/${segments.map((s) => s.charAt(0).toUpperCase() + s.slice(1)).join('/')}`,
    trailingSlash: `${path}/`,
    leadingDoubleSlash: `/${path}`,
    innerDoubleSlash: path.replace(/^(\/[^/]+)\//, '$1//'),
    encodedFirstSegment: encodeFirst(0),
    ...(segments.length > 1 ? { encodedSecondSegment: encodeFirst(1) } : {}),
  };
  // One request per distinct spelling (a one-segment path has no inner slash to double).
  return Object.fromEntries(Object.entries(all).filter(([name, url]) => name === 'exact' || url !== path));
}

describe('with API_TOKEN set', () => {
  let stack: Stack;
  let api: AppProcess;
  let base: string;
  let dashboard: { path: string; remove: () => Promise<void> };
  const authed = { authorization: `Bearer ${TOKEN}` };

  beforeAll(async () => {
    dashboard = await tempDir();
    await writeFile(path.join(dashboard.path, 'index.html'), DASHBOARD_HTML);
    await mkdir(path.join(dashboard.path, 'assets'));
    await writeFile(path.join(dashboard.path, 'assets', 'app.js'), 'console.log(1);');
    stack = await startStack({
      dashboard: dashboard.path,
      env: {
        LOG_LEVEL: 'info',
        API_TOKEN: TOKEN,
        RATE_LIMIT_PER_MINUTE: '100000',
        OPENAI_BASE_URL: 'http://127.0.0.1:9/v1', // required to start a job; never called (no worker here)
      },
    });
    ({ api, base } = stack);
  });

  afterAll(async () => {
    await stack?.stop();
    await dashboard?.remove();
  });

  it('answers 401 or 404 to every spelling of every operation without the token, 401 to the exact one', async () => {
    const doc = JSON.parse(await readFile(path.join(REPO_ROOT, 'openapi', 'openapi.json'), 'utf8')) as OpenApi;
    const wrong: string[] = [];
    let sent = 0;
    for (const [template, operations] of Object.entries(doc.paths)) {
      const concrete = template.replace(/\{type\}/g, 'qa').replace(/\{[^}]+\}/g, SOME_ID);
      for (const method of Object.keys(operations).map((m) => m.toUpperCase())) {
        for (const [spelling, url] of Object.entries(spellings(concrete))) {
          const res = await fetch(`${base}${url}`, {
            method,
            redirect: 'manual',
            headers: method === 'GET' || method === 'DELETE' ? {} : { 'content-type': 'application/json' },
            body: method === 'GET' || method === 'DELETE' ? undefined : '{}',
          });
          const text = await res.text();
          sent++;
          const expected = spelling !== 'exact' ? [401, 404] : template === '/health' ? [200, 503] : [401];
          if (!expected.includes(res.status))
            wrong.push(`${method} ${url} (${spelling}) → ${res.status} ${text.slice(0, 80)}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(sent).toBeGreaterThan(150);
  });

  it('routes case-sensitively and strictly: other spellings miss the handler even with the token', async () => {
    expect((await fetch(`${base}/api/projects`, { headers: authed })).status).toBe(200);
    for (const url of ['/API/projects', '/Api/Projects', '/api/projects/', '//api/projects', '/%61pi/projects']) {
      const res = await fetch(`${base}${url}`, { headers: authed });
      expect(res.status, url).toBe(404);
      expect(await res.json(), url).toMatchObject({ statusCode: 404, error: 'Not Found', path: url });
    }
    const put = await fetch(`${base}/API/settings`, {
      method: 'PUT',
      headers: { ...authed, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(put.status).toBe(404);
  });

  it('leaves /health, Swagger and the dashboard files open', async () => {
    expect([200, 503]).toContain((await fetch(`${base}/health`)).status);
    const docs = await fetch(`${base}/docs-json`);
    expect(docs.status).toBe(200);
    expect(((await docs.json()) as OpenApi).paths['/api/projects']).toBeDefined();
    expect((await fetch(`${base}/docs`)).status).toBe(200);
    const index = await fetch(`${base}/`);
    expect(index.status).toBe(200);
    expect(await index.text()).toBe(DASHBOARD_HTML);
    expect((await fetch(`${base}/assets/app.js`)).status).toBe(200);
    // A dashboard route (the SPA fallback) gets the app, not an API answer.
    expect(await (await fetch(`${base}/projects/${SOME_ID}`)).text()).toBe(DASHBOARD_HTML);
  });

  it('takes ?access_token= only on the job stream and downloads, and never logs it', async () => {
    const q = `access_token=${encodeURIComponent(TOKEN)}`;
    expect((await fetch(`${base}/api/projects?${q}`)).status).toBe(401);
    const project = await fetch(`${base}/api/projects`, {
      method: 'POST',
      headers: { ...authed, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'auth' }),
    });
    expect(project.status).toBe(201);
    const projectId = ((await project.json()) as { id: string }).id;
    const job = await fetch(`${base}/api/projects/${projectId}/jobs`, {
      method: 'POST',
      headers: { ...authed, 'content-type': 'application/json' },
      body: JSON.stringify({ urls: ['http://127.0.0.1:9/a'] }),
    });
    expect(job.status).toBe(201);
    const jobId = ((await job.json()) as { id: string }).id;
    expect((await fetch(`${base}/api/jobs/${jobId}?${q}`)).status).toBe(401);
    expect((await fetch(`${base}/api/jobs/${jobId}/logs?${q}`)).status).toBe(401);
    expect((await fetch(`${base}/api/exports?${q}`)).status).toBe(401);
    // Not on other methods either, even on a route that allows it for GET.
    expect((await fetch(`${base}/api/jobs/${jobId}/cancel?${q}`, { method: 'POST' })).status).toBe(401);

    const abort = new AbortController();
    const stream = await fetch(`${base}/api/jobs/${jobId}/stream?${q}`, { signal: abort.signal });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    abort.abort();
    await stream.body?.cancel().catch(() => undefined);
    // No such export: past the guard (404), not turned away (401).
    expect((await fetch(`${base}/api/exports/${SOME_ID}/download?${q}`)).status).toBe(404);
    expect((await fetch(`${base}/api/exports/${SOME_ID}/download`)).status).toBe(401);

    await waitFor(() => (api.output().includes(`/api/exports/${SOME_ID}/download`) ? true : undefined), {
      what: 'the request log lines',
    });
    expect(api.output()).toContain('"statusCode":401');
    expect(api.output()).not.toContain(TOKEN);
  });
});
