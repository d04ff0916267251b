import { emptyProgress, type JobEvent } from '@datafactory/contracts';
import { describe, expect, it } from 'vitest';
import { levelsFrom } from '../jobs/jobs-api.service.js';
import { isJobEvent } from './job-events.hub.js';
import { formatSseEvent, mergeProgress, parseLastEventId } from './sse.js';

const at = '2026-11-25T12:00:00.000Z';

describe('SSE framing of job events', () => {
  it('gives log events their row id as the event id, and other events none', () => {
    const log: JobEvent = { type: 'log', jobId: 'j', id: 42, level: 'info', stage: null, message: 'a\nb', at };
    expect(formatSseEvent(log)).toBe(`event: log\nid: 42\ndata: ${JSON.stringify(log)}\n\n`);
    expect(
      formatSseEvent(log)
        .split('\n')
        .filter((l) => l.startsWith('data: ')),
    ).toHaveLength(1);
    const done: JobEvent = { type: 'done', jobId: 'j', status: 'cancelled', error: null, at };
    expect(formatSseEvent(done)).toBe(`event: done\ndata: ${JSON.stringify(done)}\n\n`);
  });

  it('reads Last-Event-ID as a log id, ignoring anything else', () => {
    expect(parseLastEventId('17')).toBe(17);
    expect(parseLastEventId(' 17 ')).toBe(17);
    expect(parseLastEventId(['5', '6'])).toBe(5);
    for (const bad of [undefined, '', 'abc', '-1', '1.5', '9'.repeat(20), '2147483648', '999999999999999'])
      expect(parseLastEventId(bad)).toBeUndefined();
    // The largest id the job_logs column holds (PostgreSQL integer).
    expect(parseLastEventId('2147483647')).toBe(2147483647);
  });

  it('never lets a counter go back when snapshots arrive out of order', () => {
    const a = emptyProgress();
    a.crawler = { total: 10, done: 6, failed: 1 };
    const b = emptyProgress();
    b.crawler = { total: 10, done: 5, failed: 2 };
    b.refiner = { total: 5, done: 1, failed: 0 };
    const merged = mergeProgress({ progress: a, costTotal: 0.5 }, { progress: b, costTotal: 0.4 });
    expect(merged.progress.crawler).toEqual({ total: 10, done: 6, failed: 2 });
    expect(merged.progress.refiner).toEqual({ total: 5, done: 1, failed: 0 });
    expect(merged.costTotal).toBe(0.5);
    expect(mergeProgress(undefined, { progress: b, costTotal: 0.4 })).toEqual({ progress: b, costTotal: 0.4 });
  });
});

describe('job events off the transport', () => {
  it('accepts the four event types and drops anything else', () => {
    expect(isJobEvent({ type: 'progress', jobId: 'j', progress: emptyProgress(), costTotal: 0, at })).toBe(true);
    expect(isJobEvent({ type: 'stage', jobId: 'j', status: 'running', stage: 'crawler', at })).toBe(true);
    expect(isJobEvent({ type: 'log', jobId: 'j', id: 1, level: 'info', stage: null, message: 'x', at })).toBe(true);
    expect(isJobEvent({ type: 'done', jobId: 'j', status: 'completed', error: null, at })).toBe(true);
    for (const bad of [
      null,
      'x',
      {},
      { type: 'log', jobId: 'j', id: 'x', message: 'm' },
      { type: 'other', jobId: 'j' },
    ]) {
      expect(isJobEvent(bad)).toBe(false);
    }
  });
});

describe('the logs filter', () => {
  it('treats level as a minimum', () => {
    expect(levelsFrom('debug')).toEqual(['debug', 'info', 'warn', 'error']);
    expect(levelsFrom('warn')).toEqual(['warn', 'error']);
    expect(levelsFrom('error')).toEqual(['error']);
  });
});
