/**
 * End-to-end: a project's schedule fires once per tick however many processes run. Two API processes
 * (both are asked to set the same schedule) and two workers on one Redis and one SQLite file; a cron
 * of every 3 seconds starts a new job of two fixture pages (template none) at each tick. Then a
 * refresh schedule, validation, and removal (no tick after it).
 */
import { FixtureSite, type Stack, startStack, waitFor } from '@datafactory/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('project schedules', () => {
  let site: FixtureSite;
  let stack: Stack;

  beforeAll(async () => {
    site = await FixtureSite.start({ hosts: ['main'] });
    const siteHost = site
      .url('main')
      .replace(/^http:\/\//, '')
      .replace(/\/$/, '');
    stack = await startStack({ workers: 2, apis: 2, env: { CRAWL_TRUSTED_HOSTS: siteHost }, timeoutMs: 90_000 });
  });
  afterAll(async () => {
    await stack?.stop();
    await site?.close();
  });

  it('refuses a bad cron, time zone, action or URL list with a 400 naming it', async () => {
    const project = await stack.json('POST', '/api/projects', { name: 'schedule validation' });
    const url = `/api/projects/${project.body.id}/schedule`;
    const bad = async (body: unknown, pattern: RegExp) => {
      const r = await stack.json('PUT', url, body);
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      expect(JSON.stringify(r.body)).toMatch(pattern);
    };
    await bad({ cron: 'every day', action: 'refresh' }, /cron must have 5 fields/);
    await bad({ cron: '61 * * * *', action: 'refresh' }, /not a valid cron expression/);
    await bad(
      { cron: '0 3 * * *', timezone: 'Mars/Olympus', action: 'refresh' },
      /timezone .* is not an IANA time zone/,
    );
    await bad({ cron: '0 3 * * *', action: 'rebuild' }, /action/);
    await bad({ cron: '0 3 * * *', action: 'new_job' }, /urls/);
    await bad({ cron: '0 3 * * *', action: 'new_job', urls: ['ftp://x'] }, /urls/);
    await bad(
      { cron: '0 3 * * *', action: 'refresh', urls: [site.url('main', '/doc/1')] },
      /urls is only for action new_job/,
    );
    expect((await stack.json('GET', url)).status).toBe(404);
    expect((await stack.json('DELETE', url)).status).toBe(404);
    const missing = '00000000-0000-4000-8000-000000000000';
    expect(
      (await stack.json('PUT', `/api/projects/${missing}/schedule`, { cron: '0 3 * * *', action: 'refresh' })).status,
    ).toBe(404);

    const weekly = await stack.json('PUT', url, { cron: '0 3 * * 1', timezone: 'Europe/Berlin', action: 'refresh' });
    expect(weekly.status, JSON.stringify(weekly.body)).toBe(200);
    // The next Monday 03:00 in Berlin is 01:00 or 02:00 UTC.
    expect(new Date(weekly.body.nextRunAt).getUTCDay()).toBe(1);
    expect([1, 2]).toContain(new Date(weekly.body.nextRunAt).getUTCHours());
    expect((await stack.fetch(url, { method: 'DELETE' })).status).toBe(204);
  });

  it('starts exactly one job per tick with two API processes and two workers, and none after removal', async () => {
    const project = await stack.json('POST', '/api/projects', {
      name: 'scheduled',
      config: { scraping: { requests_per_second: 50 }, generation: { template: 'none' } },
    });
    const url = `/api/projects/${project.body.id}/schedule`;
    const body = {
      cron: '*/3 * * * * *',
      action: 'new_job',
      urls: [site.url('main', '/doc/801'), site.url('main', '/doc/802')],
    };
    // Both API processes set it: the second upsert replaces the first, it does not add a second schedule.
    expect((await stack.json('PUT', url, body)).status).toBe(200);
    const second = await fetch(`${stack.bases[1]}${url}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(second.status).toBe(200);

    const jobs = async () =>
      (await stack.json('GET', `/api/projects/${project.body.id}/jobs?pageSize=100`)).body.items as {
        id: string;
        createdAt: string;
        status: string;
      }[];
    await waitFor(async () => ((await jobs()).length >= 4 ? true : undefined), {
      timeoutMs: 120_000,
      what: 'four scheduled jobs',
    });
    expect((await stack.fetch(url, { method: 'DELETE' })).status).toBe(204);
    const atRemoval = (await jobs()).length;
    // One job per 3-second tick: never two in one slot.
    const slots = (await jobs()).map((j) => Math.floor(new Date(j.createdAt).getTime() / 3000));
    expect(new Set(slots).size).toBe(slots.length);
    // No tick after removal (a tick already taken when it was removed may still land).
    await new Promise((r) => setTimeout(r, 7_000));
    expect((await jobs()).length).toBeLessThanOrEqual(atRemoval + 1);
    const finished = await waitFor(
      async () => {
        const all = await jobs();
        return all.every((j) => j.status !== 'running') ? all : undefined;
      },
      { timeoutMs: 120_000, what: 'the scheduled jobs to end' },
    );
    for (const j of finished) expect(j.status).toBe('completed');
  });

  it('a refresh schedule refreshes the latest completed job, and says so when there is none', async () => {
    const project = await stack.json('POST', '/api/projects', {
      name: 'scheduled refresh',
      config: { scraping: { requests_per_second: 50 }, generation: { template: 'none' } },
    });
    const url = `/api/projects/${project.body.id}/schedule`;
    expect((await stack.json('PUT', url, { cron: '*/2 * * * * *', action: 'refresh' })).status).toBe(200);
    const noJob = await waitFor(
      async () => {
        const r = await stack.json('GET', url);
        return r.body.lastError ? r.body : undefined;
      },
      { timeoutMs: 60_000, what: 'a tick with nothing to refresh' },
    );
    expect(noJob.lastError).toMatch(/no completed job to refresh/);
    expect((await stack.fetch(url, { method: 'DELETE' })).status).toBe(204);

    const first = await stack.json('POST', `/api/projects/${project.body.id}/jobs`, {
      urls: [site.url('main', '/doc/811')],
    });
    await waitFor(
      async () =>
        (await stack.json('GET', `/api/jobs/${first.body.id}`)).body.status === 'completed' ? true : undefined,
      { timeoutMs: 60_000, what: 'the first job' },
    );
    expect((await stack.json('PUT', url, { cron: '*/2 * * * * *', action: 'refresh' })).status).toBe(200);
    const ran = await waitFor(
      async () => {
        const r = await stack.json('GET', url);
        return r.body.lastJobId ? r.body : undefined;
      },
      { timeoutMs: 60_000, what: 'a refresh tick' },
    );
    expect((await stack.fetch(url, { method: 'DELETE' })).status).toBe(204);
    const refresh = await stack.json('GET', `/api/jobs/${ran.lastJobId}`);
    expect(refresh.body.refreshOf).toBe(first.body.id);
  });
});
