import type { EntityManager } from '@mikro-orm/core';
import { emptyProgress, type JobEvent } from '@datafactory/contracts';
import { Job, JobLog } from '@datafactory/persistence';
import { NotFoundError } from '@datafactory/pipeline';
import type { Request, Response } from 'express';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { JobEventsHub } from '../events/job-events.hub.js';
import { HEARTBEAT_MS, JobStreamService } from './job-stream.service.js';

const JOB_ID = '11111111-1111-4111-8111-111111111111';
const at = '2026-11-25T12:00:00.000Z';

/** The database as the stream sees it: one job and its log lines. */
function fakeDatabase() {
  const state = {
    job: {
      id: JOB_ID,
      status: 'running',
      stage: 'crawler',
      progress: emptyProgress(),
      costTotal: 0,
      error: null,
      updatedAt: new Date(at),
      completedAt: null,
    } as Record<string, unknown> | null,
    logs: [] as { id: number; level: string; stage: null; message: string; createdAt: Date }[],
  };
  const fork = {
    findOne: async (entity: unknown) => (entity === Job && state.job ? { ...state.job } : null),
    find: async (
      entity: unknown,
      where: { id?: { $gt: number } },
      options: { orderBy: { id: string }; limit: number },
    ) => {
      if (entity !== JobLog) return [];
      const after = where.id?.$gt ?? 0;
      const rows = state.logs.filter((l) => l.id > after);
      return options.orderBy.id === 'desc' ? rows.reverse().slice(0, options.limit) : rows.slice(0, options.limit);
    },
  };
  return { state, em: { fork: () => fork } as unknown as EntityManager };
}

function fakeResponse() {
  let text = '';
  const res = {
    headers: {} as Record<string, string>,
    writableEnded: false,
    writeHead(_status: number, headers: Record<string, string>) {
      Object.assign(res.headers, headers);
    },
    flushHeaders() {},
    write(chunk: string) {
      text += chunk;
      return true;
    },
    end() {
      res.writableEnded = true;
    },
  };
  const req = { socket: { setNoDelay() {} }, on: vi.fn() };
  return { res, req, text: () => text, events: () => text.match(/^event: \w+/gm)?.map((l) => l.slice(7)) ?? [] };
}

describe('the job event stream', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('answers an unknown job with NotFoundError before writing anything', async () => {
    const db = fakeDatabase();
    db.state.job = null;
    const { res, req, text } = fakeResponse();
    const service = new JobStreamService(db.em, new JobEventsHub());
    await expect(
      service.open(JOB_ID, undefined, req as unknown as Request, res as unknown as Response),
    ).rejects.toThrow(NotFoundError);
    expect(text()).toBe('');
  });

  it('sends a heartbeat comment every 15 s, and finishes from the database when the done event was lost', async () => {
    const db = fakeDatabase();
    db.state.logs.push({ id: 1, level: 'info', stage: null, message: 'job started', createdAt: new Date(at) });
    const hub = new JobEventsHub();
    const { res, req, text, events } = fakeResponse();
    await new JobStreamService(db.em, hub).open(
      JOB_ID,
      undefined,
      req as unknown as Request,
      res as unknown as Response,
    );
    expect(events()).toEqual(['stage', 'progress', 'log']);
    expect(res.headers).toMatchObject({ 'X-Accel-Buffering': 'no', 'Cache-Control': 'no-cache, no-transform' });

    await vi.advanceTimersByTimeAsync(HEARTBEAT_MS);
    expect(text().match(/^: heartbeat$/gm)).toHaveLength(1);
    expect(res.writableEnded).toBe(false);

    // The job ends while Redis is away: no event arrives, the next tick sees it in the database.
    db.state.job = { ...db.state.job!, status: 'cancelled', completedAt: new Date(at) };
    db.state.logs.push({ id: 2, level: 'warn', stage: null, message: 'job cancelled', createdAt: new Date(at) });
    await vi.advanceTimersByTimeAsync(HEARTBEAT_MS);
    expect(events()).toEqual(['stage', 'progress', 'log', 'progress', 'log', 'done']);
    expect(text()).toContain('id: 2\n');
    expect(res.writableEnded).toBe(true);

    // Closed: later events are not written.
    const before = text();
    hub.receive({ type: 'stage', jobId: JOB_ID, status: 'cancelled', stage: null, at } satisfies JobEvent);
    await vi.advanceTimersByTimeAsync(HEARTBEAT_MS);
    expect(text()).toBe(before);
  });

  it('skips live log lines it already replayed and writes done from the live event', async () => {
    const db = fakeDatabase();
    db.state.logs.push({ id: 1, level: 'info', stage: null, message: 'job started', createdAt: new Date(at) });
    const hub = new JobEventsHub();
    const { res, req, text, events } = fakeResponse();
    await new JobStreamService(db.em, hub).open(JOB_ID, 0, req as unknown as Request, res as unknown as Response);
    hub.receive({ type: 'log', jobId: JOB_ID, id: 1, level: 'info', stage: null, message: 'job started', at });
    hub.receive({ type: 'log', jobId: 'another-job', id: 7, level: 'info', stage: null, message: 'not ours', at });
    hub.receive({ type: 'done', jobId: JOB_ID, status: 'completed', error: null, at });
    await vi.advanceTimersByTimeAsync(0);
    expect(events()).toEqual(['stage', 'progress', 'log', 'done']);
    expect(text()).not.toContain('not ours');
    expect(res.writableEnded).toBe(true);
  });
});
