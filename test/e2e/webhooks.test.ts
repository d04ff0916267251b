/**
 * End-to-end: a project's webhooks. The built API and a worker as processes (real Redis, SQLite), the
 * fixture site, and a local receiver on 127.0.0.1 that records every POST: one endpoint answers 200,
 * one answers 500 twice before 200, and one webhook points at an address the install does not trust.
 * Checks the signature with the secret the API gave once, the retries with backoff, the stored
 * attempts, the address guard, and every route's validation.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FixtureSite, type Stack, startStack, waitFor } from '@datafactory/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

describe('webhooks', () => {
  let site: FixtureSite;
  let stack: Stack;
  let receiver: Server;
  let port: number;
  const received: Received[] = [];
  let flakyCalls = 0;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => {
        received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(parts).toString('utf8') });
        if (req.url === '/flaky' && ++flakyCalls <= 2) res.writeHead(500).end('not now');
        else res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    port = (receiver.address() as AddressInfo).port;
    site = await FixtureSite.start({ hosts: ['main'] });
    const siteHost = site
      .url('main')
      .replace(/^http:\/\//, '')
      .replace(/\/$/, '');
    stack = await startStack({
      workers: 1,
      env: { CRAWL_TRUSTED_HOSTS: `${siteHost},127.0.0.1:${port}` },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await site?.close();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  it('refuses bad registrations with a 400 naming what was wrong, and unknown projects with a 404', async () => {
    const project = await stack.json('POST', '/api/projects', { name: 'webhook validation' });
    const hooks = `/api/projects/${project.body.id}/webhooks`;
    const bad = async (body: unknown, pattern: RegExp) => {
      const r = await stack.json('POST', hooks, body);
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      expect(JSON.stringify(r.body)).toMatch(pattern);
    };
    await bad({ url: 'ftp://example.com/x', events: ['job.completed'] }, /url must be http or https/);
    await bad({ url: 'not a url', events: ['job.completed'] }, /url must be an absolute/);
    await bad({ url: 'https://user:pw@example.com/', events: ['job.completed'] }, /user name or password/);
    await bad({ url: 'https://example.com/', events: ['job.done'] }, /events/);
    await bad({ url: 'https://example.com/', events: [] }, /events/);
    await bad({ url: 'https://example.com/', events: ['job.failed', 'job.failed'] }, /events/);
    await bad({ url: 42, events: ['job.failed'] }, /url/);
    const missing = '00000000-0000-4000-8000-000000000000';
    expect(
      (
        await stack.json('POST', `/api/projects/${missing}/webhooks`, {
          url: 'https://a.example/',
          events: ['job.failed'],
        })
      ).status,
    ).toBe(404);
    expect((await stack.json('GET', `${hooks}/${missing}/deliveries`)).status).toBe(404);
    expect((await stack.json('DELETE', `${hooks}/not-a-uuid`)).status).toBe(404);
  });

  it('POSTs signed events, retries a failing receiver with backoff, and refuses an untrusted address', async () => {
    const project = await stack.json('POST', '/api/projects', { name: 'webhooks e2e' });
    const hooks = `/api/projects/${project.body.id}/webhooks`;
    const ok = await stack.json('POST', hooks, {
      url: `http://127.0.0.1:${port}/ok#frag`,
      events: ['job.completed', 'export.created'],
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect(ok.body.url).toBe(`http://127.0.0.1:${port}/ok`);
    const secret = ok.body.secret as string;
    expect(secret).toMatch(/^whsec_/);
    const flaky = await stack.json('POST', hooks, { url: `http://127.0.0.1:${port}/flaky`, events: ['job.completed'] });
    // 127.0.0.2 is loopback too, but not the trusted host:port: the guard refuses it.
    const blocked = await stack.json('POST', hooks, { url: `http://127.0.0.2:${port}/x`, events: ['job.completed'] });
    const failedOnly = await stack.json('POST', hooks, {
      url: `http://127.0.0.1:${port}/never`,
      events: ['job.failed'],
    });
    const list = await stack.json('GET', hooks);
    expect(list.body.items).toHaveLength(4);
    expect(JSON.stringify(list.body)).not.toContain(secret);
    expect(JSON.stringify(list.body)).not.toContain('secret');

    const job = await stack.json('POST', `/api/projects/${project.body.id}/jobs`, {
      urls: [site.url('main', '/doc/901'), site.url('main', '/doc/902')],
      config: { scraping: { requests_per_second: 50 }, generation: { template: 'none' } },
    });
    expect(job.status, JSON.stringify(job.body)).toBe(201);
    const jobId = job.body.id as string;

    const settled = async (hookId: string, n: number) =>
      waitFor(
        async () => {
          const r = await stack.json('GET', `${hooks}/${hookId}/deliveries`);
          const items = r.body.items as { state: string }[];
          return items.length === n && items.every((d) => d.state !== 'pending') ? items : undefined;
        },
        { timeoutMs: 90_000, what: `${n} settled deliveries of ${hookId}` },
      );
    const okDeliveries = (await settled(ok.body.id, 2)) as {
      id: string;
      event: string;
      state: string;
      attempts: { status: number | null }[];
    }[];
    expect(okDeliveries.map((d) => d.event).sort()).toEqual(['export.created', 'job.completed']);
    for (const d of okDeliveries) {
      expect(d.state).toBe('delivered');
      expect(d.attempts.map((a) => a.status)).toEqual([200]);
    }

    // Each POST verifies with the secret: HMAC-SHA256 of "<t>.<body>", t a recent unix time.
    const atOk = received.filter((r) => r.path === '/ok');
    expect(atOk).toHaveLength(2);
    for (const r of atOk) {
      const signature = String(r.headers['x-datafactory-signature']);
      const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(signature)!;
      expect(createHmac('sha256', secret).update(`${t}.${r.body}`).digest('hex')).toBe(v1);
      expect(Math.abs(Date.now() / 1000 - Number(t))).toBeLessThan(600);
      expect(createHmac('sha256', 'another secret').update(`${t}.${r.body}`).digest('hex')).not.toBe(v1);
      const body = JSON.parse(r.body);
      expect(body.event).toBe(r.headers['x-datafactory-event']);
      expect(body.id).toBe(r.headers['x-datafactory-delivery']);
      expect(body.projectId).toBe(project.body.id);
      expect(body.data.jobId).toBe(jobId);
      expect(r.headers['content-type']).toBe('application/json');
    }
    const exportBody = JSON.parse(atOk.find((r) => r.headers['x-datafactory-event'] === 'export.created')!.body);
    expect(exportBody.data.recordCount).toBeGreaterThan(0);
    expect(exportBody.data.links.download).toBe(`/api/exports/${exportBody.data.exportId}/download`);
    const completedBody = JSON.parse(atOk.find((r) => r.headers['x-datafactory-event'] === 'job.completed')!.body);
    expect(completedBody.data.status).toBe('completed');

    // The flaky receiver: two 500s, then 200, every attempt the same delivery and the same body.
    const [flakyDelivery] = (await settled(flaky.body.id, 1)) as { state: string; attempts: { status: number }[] }[];
    expect(flakyDelivery!.state).toBe('delivered');
    expect(flakyDelivery!.attempts.map((a) => a.status)).toEqual([500, 500, 200]);
    const atFlaky = received.filter((r) => r.path === '/flaky');
    expect(atFlaky).toHaveLength(3);
    expect(new Set(atFlaky.map((r) => r.headers['x-datafactory-delivery'])).size).toBe(1);
    expect(new Set(atFlaky.map((r) => r.body)).size).toBe(1);

    // The untrusted address: failed at once, no retry, the reason kept; the receiver saw nothing from it.
    const [blockedDelivery] = (await settled(blocked.body.id, 1)) as {
      state: string;
      error: string;
      attempts: { status: number | null; error: string }[];
    }[];
    expect(blockedDelivery!.state).toBe('failed');
    expect(blockedDelivery!.attempts).toHaveLength(1);
    expect(blockedDelivery!.error).toMatch(/blocked address: 127\.0\.0\.2/);
    expect(received.filter((r) => r.path === '/x')).toHaveLength(0);

    // Subscribed to job.failed only: nothing for a completed job.
    expect((await stack.json('GET', `${hooks}/${failedOnly.body.id}/deliveries`)).body.total).toBe(0);
    expect(received.filter((r) => r.path === '/never')).toHaveLength(0);

    // Removing a webhook removes its history.
    expect((await stack.fetch(`${hooks}/${flaky.body.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await stack.json('GET', `${hooks}/${flaky.body.id}/deliveries`)).status).toBe(404);
    expect((await stack.json('GET', hooks)).body.items).toHaveLength(3);
  });
});
