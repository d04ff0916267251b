import { TestBed } from '@angular/core/testing';
import { provideHttpClient } from '@angular/common/http';
import { DestroyRef } from '@angular/core';

import { EVENT_SOURCE_FACTORY, type EventSourceLike, JobStreamService, MAX_LIVE_LOG_LINES } from './job-stream';

/** A scriptable EventSource: the test plays the server. */
class FakeEventSource implements EventSourceLike {
  readyState = 0;
  closed = false;
  private readonly listeners = new Map<string, ((event: MessageEvent<string>) => void)[]>();

  constructor(readonly url: string) {}

  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  close(): void {
    this.closed = true;
    this.readyState = 2;
  }
  open(): void {
    this.readyState = 1;
    this.fire('open', '');
  }
  send(type: string, data: unknown): void {
    this.fire(type, JSON.stringify(data));
  }
  /** A dropped connection: the browser retries (CONNECTING) or gives up (CLOSED). */
  fail(givesUp: boolean): void {
    this.readyState = givesUp ? 2 : 0;
    this.fire('error', '');
  }
  private fire(type: string, data: string): void {
    for (const listener of this.listeners.get(type) ?? []) listener(new MessageEvent(type, { data }));
  }
}

describe('JobStreamService', () => {
  let sources: FakeEventSource[];
  let service: JobStreamService;

  beforeEach(() => {
    sources = [];
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        {
          provide: EVENT_SOURCE_FACTORY,
          useValue: (url: string) => {
            const source = new FakeEventSource(url);
            sources.push(source);
            return source;
          },
        },
      ],
    });
    service = TestBed.inject(JobStreamService);
  });

  afterEach(() => vi.useRealTimers());

  const progress = (done: number, total = 10) => ({
    crawler: { total, done, failed: 0 },
    refiner: { total: 0, done: 0, failed: 0 },
    generator: { total: 0, done: 0, failed: 0 },
    inspector: { total: 0, done: 0, failed: 0 },
    exporter: { total: 0, done: 0, failed: 0 },
  });

  it('exposes state, stage, progress, cost and log lines as signals', () => {
    const stream = service.open('job-1');
    const source = sources[0];
    expect(source.url).toBe('/api/jobs/job-1/stream');
    expect(stream.connection()).toBe('connecting');
    source.open();
    expect(stream.connection()).toBe('open');

    source.send('stage', { type: 'stage', status: 'running', stage: 'crawler' });
    source.send('progress', { type: 'progress', progress: progress(3), costTotal: 0.01 });
    source.send('log', {
      type: 'log',
      id: 7,
      level: 'info',
      stage: 'crawler',
      message: 'fetched',
      at: '2026-11-25T10:00:00Z',
    });

    expect(stream.status()).toBe('running');
    expect(stream.stage()).toBe('crawler');
    expect(stream.progress().crawler).toEqual({ total: 10, done: 3, failed: 0 });
    expect(stream.costTotal()).toBe(0.01);
    expect(stream.logs().map((line) => line.message)).toEqual(['fetched']);
  });

  it('never moves a counter or the cost backwards when an older snapshot arrives late', () => {
    const stream = service.open('job-1');
    sources[0].send('progress', { progress: progress(6), costTotal: 0.5 });
    sources[0].send('progress', { progress: progress(4), costTotal: 0.2 });
    expect(stream.progress().crawler.done).toBe(6);
    expect(stream.costTotal()).toBe(0.5);
  });

  it('says the connection is lost while the browser reconnects, and ignores replayed log lines', () => {
    const stream = service.open('job-1');
    const source = sources[0];
    source.open();
    source.send('log', { id: 1, level: 'info', stage: null, message: 'one', at: 'x' });
    source.fail(false);
    expect(stream.connection()).toBe('reconnecting');
    expect(stream.connectionLost()).toBe(true);
    expect(sources).toHaveLength(1); // the browser's own retry, with Last-Event-ID
    source.open();
    source.send('log', { id: 1, level: 'info', stage: null, message: 'one', at: 'x' });
    source.send('log', { id: 2, level: 'warn', stage: null, message: 'two', at: 'x' });
    expect(stream.connection()).toBe('open');
    expect(stream.reconnects()).toBe(1);
    expect(stream.logs().map((line) => line.id)).toEqual([1, 2]);
  });

  it('opens a new EventSource from the last log id when the browser gives up', () => {
    vi.useFakeTimers();
    const stream = service.open('job-1');
    sources[0].open();
    sources[0].send('log', { id: 41, level: 'info', stage: null, message: 'x', at: 'x' });
    sources[0].fail(true);
    expect(sources[0].closed).toBe(true);
    expect(stream.connectionLost()).toBe(true);
    vi.advanceTimersByTime(1_000);
    expect(sources).toHaveLength(2);
    expect(sources[1].url).toBe('/api/jobs/job-1/stream?lastEventId=41');
    sources[1].open();
    expect(stream.connection()).toBe('open');
  });

  it('closes the EventSource on done and keeps the final state', () => {
    const stream = service.open('job-1');
    sources[0].open();
    sources[0].send('done', { type: 'done', status: 'cancelled', error: null });
    expect(sources[0].closed).toBe(true);
    expect(stream.status()).toBe('cancelled');
    expect(stream.final()).toEqual({ status: 'cancelled', error: null });
    expect(stream.connection()).toBe('closed');
  });

  it('keeps the newest lines only, and closes when its owner is destroyed', () => {
    let destroy = () => {};
    const destroyRef = { onDestroy: (fn: () => void) => (destroy = fn) } as unknown as DestroyRef;
    const stream = service.open('job-2', destroyRef);
    for (let id = 1; id <= MAX_LIVE_LOG_LINES + 5; id++) {
      sources[0].send('log', { id, level: 'debug', stage: null, message: `m${id}`, at: 'x' });
    }
    expect(stream.logs()).toHaveLength(MAX_LIVE_LOG_LINES);
    expect(stream.logs()[0].id).toBe(6);
    destroy();
    expect(sources[0].closed).toBe(true);
  });
});
