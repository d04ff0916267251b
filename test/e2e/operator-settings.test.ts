/**
 * End-to-end: what the operator's environment allows, and what a job may ask
 * for, on the built API and one worker as processes (the machine's Redis
 * with its own key prefix, a SQLite file, the fixture site, and three fake
 * OpenAI-compatible servers: the default endpoint, one the operator allows
 * in addition, and one an attacker names).
 *
 * - The key saved in Settings is what the workers send, read for each call
 *   (a new key takes effect for the next job without a restart), and only
 *   to the default endpoint; an allowed extra endpoint gets no key at all.
 * - A job naming any other endpoint is a 400 naming generation.base_url, and
 *   that endpoint never sees a request.
 * - A job cannot switch the address guard off; GET /api/settings says what the
 *   operator allows; the key appears in no output, job, log or export.
 */
import {
  type AppProcess,
  FakeOpenAiServer,
  FixtureSite,
  qaFromPrompt,
  SseClient,
  type Stack,
  startStack,
} from '@datafactory/testing';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const FIRST_KEY = 'sk-saved-in-settings-0001';
const SECOND_KEY = 'sk-saved-in-settings-0002';

type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('operator settings against a job', () => {
  let site: FixtureSite;
  let home: FakeOpenAiServer;
  let extra: FakeOpenAiServer;
  let attacker: FakeOpenAiServer;
  let stack: Stack;
  let dataDir: string;
  let api: AppProcess;
  let worker: AppProcess;
  let base: string;
  let projectId: string;

  beforeAll(async () => {
    site = await FixtureSite.start({ hosts: ['main'] });
    home = await new FakeOpenAiServer({ content: qaFromPrompt }).start();
    extra = await new FakeOpenAiServer({ content: qaFromPrompt }).start();
    attacker = await new FakeOpenAiServer({ content: qaFromPrompt }).start();
    stack = await startStack({
      workers: 1,
      env: {
        LOG_LEVEL: 'info',
        // No OPENAI_API_KEY: the only key is the one saved in Settings.
        OPENAI_BASE_URL: home.baseUrl,
        LLM_ALLOWED_BASE_URLS: extra.baseUrl,
        CRAWL_TRUSTED_HOSTS: site.hostPorts().join(','),
      },
    });
    ({ dataDir, api, base } = stack);
    worker = stack.workers[0]!;
    projectId = (await send('POST', '/api/projects', { name: 'operator settings' })).body.id;
  });

  afterAll(async () => {
    await stack?.stop();
    await Promise.all([site?.close(), home?.stop(), extra?.stop(), attacker?.stop()]);
  });

  async function send(method: string, url: string, body?: unknown): Promise<{ status: number; body: Body }> {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Body };
  }

  async function runJob(config: Body, doc: number): Promise<Body> {
    const created = await send('POST', `/api/projects/${projectId}/jobs`, {
      urls: [site.url('main', `/doc/${doc}`)],
      config: { quality: { checks: ['format'] }, ...config },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const sse = await SseClient.open(`${base}/api/jobs/${created.body.id}/stream`);
    await sse.next((e) => e.event === 'done', 'the done event');
    sse.close();
    return (await send('GET', `/api/jobs/${created.body.id}`)).body;
  }

  const authorizations = (server: FakeOpenAiServer, from: number) =>
    server.requests.slice(from).map((r) => r.headers.authorization);

  it('sends the key saved in Settings to the default endpoint, read again for each job', async () => {
    expect((await send('PUT', '/api/settings', { apiKeys: { openai: FIRST_KEY } })).status).toBe(200);
    let before = home.requests.length;
    const first = await runJob({ generation: { examples_per_chunk: 1 } }, 1);
    expect(first.status, first.error).toBe('completed');
    expect(home.requests.length).toBeGreaterThan(before);
    expect(new Set(authorizations(home, before))).toEqual(new Set([`Bearer ${FIRST_KEY}`]));

    // A new key takes effect without restarting anything.
    expect((await send('PUT', '/api/settings', { apiKeys: { openai: SECOND_KEY } })).status).toBe(200);
    before = home.requests.length;
    const second = await runJob({ generation: { examples_per_chunk: 1 } }, 2);
    expect(second.status, second.error).toBe('completed');
    expect(new Set(authorizations(home, before))).toEqual(new Set([`Bearer ${SECOND_KEY}`]));
  });

  it('calls an endpoint of LLM_ALLOWED_BASE_URLS without the key', async () => {
    const job = await runJob({ generation: { base_url: extra.baseUrl, examples_per_chunk: 1 } }, 3);
    expect(job.status, job.error).toBe('completed');
    expect(extra.requests.length).toBeGreaterThan(0);
    expect(authorizations(extra, 0).filter((a) => a !== undefined)).toEqual([]);
  });

  it('refuses any other endpoint with a 400 naming generation.base_url, before any request', async () => {
    for (const baseUrl of [attacker.baseUrl, 'http://169.254.169.254/latest', `${home.baseUrl}/../../evil`]) {
      const res = await send('POST', `/api/projects/${projectId}/jobs`, {
        urls: [site.url('main', '/doc/4')],
        config: { generation: { base_url: baseUrl } },
      });
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual([
        expect.stringMatching(/^config\.generation\.base_url .* is not an LLM endpoint .*LLM_ALLOWED_BASE_URLS/),
      ]);
    }
    // The judge and the estimate resolve the endpoint the same way.
    const judged = await send('POST', `/api/projects/${projectId}/jobs`, {
      urls: [site.url('main', '/doc/4')],
      config: { generation: { base_url: attacker.baseUrl }, quality: { checks: ['judge'] } },
    });
    expect(judged.status).toBe(400);
    const estimate = await send('POST', '/api/jobs/estimate', {
      urls: [site.url('main', '/doc/4')],
      config: { generation: { base_url: attacker.baseUrl } },
    });
    expect(estimate.status).toBe(400);
    expect(attacker.requests).toEqual([]);
  });

  it('lets no job switch the address guard off, and says so naming the operator setting', async () => {
    const res = await send('POST', `/api/projects/${projectId}/jobs`, {
      urls: ['http://127.0.0.1:9/'],
      config: { scraping: { allow_private_networks: true } },
    });
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([expect.stringMatching(/CRAWL_ALLOW_PRIVATE_NETWORKS=true/)]);
    // A project's saved config is no way around it either.
    const project = await send('POST', '/api/projects', {
      name: 'widening project',
      config: { scraping: { allow_private_networks: true } },
    });
    if (project.status === 201) {
      const viaProject = await send('POST', `/api/projects/${project.body.id}/jobs`, { urls: ['http://127.0.0.1:9/'] });
      expect(viaProject.status).toBe(400);
    } else {
      expect(project.status).toBe(400);
    }
  });

  it('shows what the operator allows, read-only, in GET /api/settings', async () => {
    const settings = await send('GET', '/api/settings');
    expect(settings.body.operator).toEqual({
      allowPrivateNetworks: false,
      trustedHosts: site.hostPorts(),
      llmBaseUrls: [home.baseUrl, extra.baseUrl],
      llmKeySource: 'settings',
      hubTokenSource: 'none',
    });
    expect(JSON.stringify(settings.body)).not.toContain(SECOND_KEY);
    // The operator block is not a setting a caller can change.
    const put = await send('PUT', '/api/settings', { operator: { allowPrivateNetworks: true } });
    expect(put.status).toBe(400);
  });

  it('never shows the key: not in process output, jobs, logs or exports', async () => {
    const jobs = await send('GET', `/api/projects/${projectId}/jobs`);
    const texts = [api.output(), worker.output(), JSON.stringify(jobs.body)];
    for (const job of jobs.body.items as Body[]) {
      texts.push(JSON.stringify((await send('GET', `/api/jobs/${job.id}/logs`)).body));
    }
    const exportsDir = path.join(dataDir, 'exports');
    for (const file of await readdir(exportsDir, { recursive: true, withFileTypes: true })) {
      if (file.isFile()) texts.push(await readFile(path.join(file.parentPath, file.name), 'utf8'));
    }
    expect(texts.length).toBeGreaterThan(4);
    for (const text of texts) {
      expect(text).not.toContain(FIRST_KEY);
      expect(text).not.toContain(SECOND_KEY);
    }
  });
});
