/**
 * Integration: the deployment's moving parts that can run without Docker.
 *
 * - docker/nginx.conf in a real nginx (Debian's `nginx-light`, when installed) in front of a
 *   stand-in API on 127.0.0.1: SPA fallback, the proxied routes, and a job's event stream
 *   arriving unbuffered. Only the addresses and file locations are changed from the file
 *   the frontend image uses.
 * - docker/healthcheck.mjs (the containers' healthchecks) against a stand-in /health and the
 *   machine's Redis under the run's own key prefix. It runs the build output (dist/).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import path from 'node:path';
import { RedisKey, type WorkerHeartbeat } from '@datafactory/contracts';
import {
  deleteRedisKeys,
  freePort,
  requireInCi,
  runNode,
  tempDir,
  uniqueRedisPrefix,
  waitFor,
} from '@datafactory/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, read } from './deployment-files.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
// Locally these skip (saying why) without nginx or a build; in CI (CI=true) a missing one fails the run.
const hasNginx = requireInCi(
  'nginx (Debian: nginx-light) for docker/nginx.conf',
  spawnSync('nginx', ['-v']).status === 0,
);
const isBuilt = requireInCi(
  'the build (npm run build) for docker/healthcheck.mjs',
  ['dist/libs/config/src/config.js', 'dist/libs/contracts/src/index.js'].every((f) => existsSync(path.join(ROOT, f))),
);

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

describe.runIf(hasNginx)('docker/nginx.conf in nginx', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let nginx: ChildProcess;
  let api: Server;
  let base: string;
  let confFile: string;
  const seen: { url: string; headers: Record<string, unknown> }[] = [];
  let streamResponse: ServerResponse | undefined;

  beforeAll(async () => {
    dir = await tempDir('df-nginx-');
    // nginx's workers run as `nobody` when the test runs as root: they must read the files.
    chmodSync(dir.path, 0o755);
    const html = path.join(dir.path, 'html');
    mkdirSync(html);
    writeFileSync(path.join(html, 'index.html'), '<!doctype html><title>dashboard</title>');
    writeFileSync(path.join(html, 'main-ABC123.js'), 'console.log("dashboard");');

    // The stand-in API. The stream deliberately omits X-Accel-Buffering (the real API sends
    // it): the unbuffered stream must come from nginx.conf itself.
    api = createServer((req, res) => {
      seen.push({ url: req.url!, headers: req.headers });
      if (req.url === '/api/jobs/j1/stream') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.write('event: progress\ndata: {"n":1}\n\n');
        streamResponse = res;
        return;
      }
      const status = req.url === '/health' ? 503 : 200;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ from: 'api', url: req.url }));
    });
    const apiPort = await freePort();
    await listen(api, apiPort);

    const port = await freePort();
    let conf = read('docker/nginx.conf');
    const replace = (from: string | RegExp, to: string) => {
      const next = conf.replace(from, to);
      expect(next, `nginx.conf still has ${String(from)}`).not.toBe(conf);
      conf = next;
    };
    replace('listen 3000;', `listen 127.0.0.1:${port};`);
    replace('root /usr/share/nginx/html;', `root ${html};`);
    replace('set $backend backend-api:8000;', `set $backend 127.0.0.1:${apiPort};`);
    replace('pid /tmp/nginx.pid;', `pid ${dir.path}/nginx.pid;`);
    replace(/\/tmp\/nginx-/g, `${dir.path}/nginx-`);
    confFile = path.join(dir.path, 'nginx.conf');
    writeFileSync(confFile, conf);

    // Its logs go to /dev/stdout and /dev/stderr, as in the container; here those are a file
    // (node's pipes are sockets, which /dev/stderr cannot be opened on).
    const log = openSync(path.join(dir.path, 'nginx.log'), 'a');
    nginx = spawn('nginx', ['-c', confFile, '-p', dir.path, '-g', 'daemon off;'], { stdio: ['ignore', log, log] });
    closeSync(log);
    base = `http://127.0.0.1:${port}`;
    await waitFor(() => fetch(`${base}/healthz`).then((r) => (r.ok ? true : undefined)), {
      timeoutMs: 10_000,
      what: `nginx on ${base} (log: ${path.join(dir.path, 'nginx.log')})`,
    });
  });

  afterAll(async () => {
    streamResponse?.end();
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((r) => nginx.once('exit', r));
      nginx.kill('SIGQUIT');
      await exited;
    }
    if (api) await close(api);
    await dir?.remove();
  });

  it('passes `nginx -t`', () => {
    // The file as tested here: docker/nginx.conf with only addresses and /tmp paths replaced
    // (nginx -t creates the temp folders, which must not land in the machine's /tmp).
    const out = openSync(path.join(dir.path, 'nginx-t.log'), 'w');
    const result = spawnSync('nginx', ['-t', '-q', '-c', confFile], {
      stdio: ['ignore', out, out],
    });
    closeSync(out);
    expect(result.status, readFileSync(path.join(dir.path, 'nginx-t.log'), 'utf8')).toBe(0);
  });

  it('serves the dashboard, with the index page for its routes and 404 for missing files', async () => {
    for (const route of ['/', '/jobs/42', '/projects/7/settings']) {
      const res = await fetch(`${base}${route}`);
      expect(res.status, route).toBe(200);
      expect(await res.text(), route).toContain('<title>dashboard</title>');
    }
    const index = await fetch(`${base}/index.html`);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const asset = await fetch(`${base}/main-ABC123.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${base}/main-MISSING.js`)).status).toBe(404);
  });

  it('proxies /api, /health, /docs and /docs-json to the API, unchanged', async () => {
    for (const [route, status] of [
      ['/api/projects?page=2&pageSize=5', 200],
      ['/api/jobs/j1', 200],
      ['/api/exports/e1/download.jsonl', 200],
      ['/health', 503],
      ['/docs', 200],
      ['/docs/swagger-ui.css', 200],
      ['/docs-json', 200],
    ] as const) {
      const res = await fetch(`${base}${route}`);
      expect(res.status, route).toBe(status);
      expect(await res.json(), route).toEqual({ from: 'api', url: route });
    }
    const projects = seen.find((s) => s.url.startsWith('/api/projects'))!;
    expect(projects.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(projects.headers['x-forwarded-proto']).toBe('http');
    expect(projects.headers.host).toBe(new URL(base).host);
  });

  it("passes a job's event stream through without buffering", async () => {
    const res = await fetch(`${base}/api/jobs/j1/stream`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    // The API has written one small event and keeps the connection open: it must arrive now.
    const first = await Promise.race([
      reader.read(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the first event was held back')), 3_000)),
    ]);
    expect(new TextDecoder().decode(first.value)).toContain('data: {"n":1}');
    streamResponse!.write('event: done\ndata: {}\n\n');
    streamResponse!.end();
    let rest = '';
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += new TextDecoder().decode(r.value);
    expect(rest).toContain('event: done');
  });
});

describe.runIf(isBuilt)('docker/healthcheck.mjs', () => {
  const script = 'docker/healthcheck.mjs';

  it('api: healthy when /health is 200, or 503 for want of a worker only; unhealthy otherwise', async () => {
    let answer: { status: number; body: unknown } = { status: 200, body: { status: 'ok', down: [] } };
    const server = createServer((req, res) => {
      res.writeHead(req.url === '/health' ? answer.status : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    });
    const port = await freePort();
    await listen(server, port);
    const check = () => runNode(script, ['api'], { PORT: String(port), REDIS_URL });
    try {
      expect(await check()).toMatchObject({ code: 0, output: 'api: ok\n' });
      answer = { status: 503, body: { status: 'down', down: ['workers'] } };
      expect((await check()).code).toBe(0);
      answer = { status: 503, body: { status: 'down', down: ['redis', 'workers'] } };
      expect(await check()).toMatchObject({ code: 1, output: 'api: HTTP 503, down: redis, workers\n' });
      answer = { status: 503, body: { status: 'down', down: ['database'] } };
      expect((await check()).code).toBe(1);
      answer = { status: 500, body: {} };
      expect((await check()).code).toBe(1);
    } finally {
      await close(server);
    }
    // Nothing listening.
    expect((await check()).code).toBe(1);
  });

  describe('worker', () => {
    const prefix = uniqueRedisPrefix();
    const redis = new Redis(REDIS_URL, { lazyConnect: true });
    afterAll(async () => {
      redis.disconnect();
      await deleteRedisKeys(REDIS_URL, prefix);
    });
    const check = (url = REDIS_URL) => runNode(script, ['worker'], { REDIS_URL: url, REDIS_PREFIX: prefix });
    const beat = async (host: string, ageMs: number) => {
      const workerId = `${host}-${ageMs}-test`;
      const heartbeat: WorkerHeartbeat = {
        workerId,
        hostname: host,
        pid: 1,
        startedAt: new Date(Date.now() - 60_000).toISOString(),
        lastSeenAt: new Date(Date.now() - ageMs).toISOString(),
        queues: [],
        active: 0,
      };
      await redis.set(RedisKey.workerHeartbeat(prefix, workerId), JSON.stringify(heartbeat), 'PX', 60_000);
    };

    it("is healthy only with a fresh heartbeat from this host's worker", async () => {
      await redis.connect();
      expect((await check()).code, 'no heartbeat at all').toBe(1);
      await beat('another-container', 1_000);
      expect((await check()).code, "another replica's heartbeat does not count").toBe(1);
      await beat(hostname(), 60_000);
      expect((await check()).code, 'a stale heartbeat').toBe(1);
      await beat(hostname(), 1_000);
      const ok = await check();
      expect(ok.code, ok.output).toBe(0);
      expect(ok.output).toMatch(/^worker: ok \(/);
    });

    it('is unhealthy when Redis cannot be reached', async () => {
      const result = await check(`redis://127.0.0.1:${await freePort()}`);
      expect(result.code).toBe(1);
      expect(result.output).toMatch(/^worker: /);
    });
  });

  it('rejects an unknown check', async () => {
    expect((await runNode(script, ['toString'], {})).code).toBe(2);
  });
});
