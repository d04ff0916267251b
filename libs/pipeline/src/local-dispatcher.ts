import { QueueName } from '@datafactory/contracts';
import { Dispatcher, ITEM_ATTEMPTS, type RetryPolicy } from './dispatcher.js';
import type { StageHandler } from './stage-handlers.js';

/** Items in flight per queue in one process (`datafactory run`, embedded `npm start`). */
export const IN_PROCESS_CONCURRENCY: Partial<Record<QueueName, number>> = {
  // One item per URL; the job's max_concurrent and per-host pacing bound the requests.
  [QueueName.Crawl]: 16,
  [QueueName.Refine]: 2,
  // The job's own max_concurrent_llm limits calls; this only bounds queued chunks in flight.
  [QueueName.Generate]: 64,
  [QueueName.Inspect]: 4,
  [QueueName.Export]: 1,
  [QueueName.Webhook]: 4,
};

interface Item {
  queue: QueueName;
  data: object;
  attempt: number;
  retry?: RetryPolicy;
}

/**
 * The in-process dispatcher of `datafactory run` and of tests: the same stage
 * handlers as the worker, with the same idempotent ids and retry rule, but
 * queues in memory and no Redis.
 */
export class LocalDispatcher extends Dispatcher {
  private readonly handlers = new Map<QueueName, StageHandler>();
  private readonly waiting = new Map<QueueName, Item[]>();
  private readonly running = new Map<QueueName, number>();
  private readonly seen = new Set<string>();
  private idleWaiters: (() => void)[] = [];
  private readonly controller = new AbortController();
  /** Per pipeline job, aborted by cancel(); forgotten when the dispatcher is idle. */
  private readonly jobControllers = new Map<string, AbortController>();
  /** Items queued or running per pipeline job. */
  private readonly busy = new Map<string, number>();

  constructor(
    private readonly concurrency: Partial<Record<QueueName, number>> = {},
    private readonly retryDelayMs = 200,
  ) {
    super();
  }

  register(handlers: readonly StageHandler[]): this {
    for (const h of handlers) this.handlers.set(h.queue, h);
    return this;
  }

  /** Aborts in-flight work (Ctrl-C in the CLI). */
  abort(reason: Error): void {
    this.controller.abort(reason);
  }

  isReady(): boolean {
    return !this.controller.signal.aborted;
  }

  async cancel(jobId: string): Promise<void> {
    this.controllerFor(jobId).abort(new Error(`job ${jobId} was cancelled`));
  }

  /** The job ids with items queued or running (what a stopping process leaves unfinished). */
  busyJobs(): string[] {
    return [...this.busy.keys()];
  }

  async enqueue(queue: QueueName, data: object, id: string, retry?: RetryPolicy): Promise<void> {
    if (this.seen.has(id)) return;
    this.seen.add(id);
    const list = this.waiting.get(queue) ?? [];
    list.push({ queue, data, attempt: 1, ...(retry ? { retry } : {}) });
    this.track(data, +1);
    this.waiting.set(queue, list);
    queueMicrotask(() => this.pump(queue));
  }

  /** Resolves when nothing is queued or running any more. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private isIdle(): boolean {
    for (const list of this.waiting.values()) if (list.length) return false;
    for (const n of this.running.values()) if (n) return false;
    return true;
  }

  private pump(queue: QueueName): void {
    const limit = this.concurrency[queue] ?? 4;
    const list = this.waiting.get(queue) ?? [];
    while (list.length && (this.running.get(queue) ?? 0) < limit) {
      const item = list.shift()!;
      this.running.set(queue, (this.running.get(queue) ?? 0) + 1);
      void this.run(item).finally(() => {
        this.running.set(queue, (this.running.get(queue) ?? 1) - 1);
        this.track(item.data, -1);
        this.pump(queue);
        if (this.isIdle()) {
          // Everything enqueued has settled, so no id can come back: a long-running (embedded) process
          // does not keep every item id and job it ever saw.
          this.seen.clear();
          this.jobControllers.clear();
          const waiters = this.idleWaiters;
          this.idleWaiters = [];
          waiters.forEach((w) => w());
        }
      });
    }
  }

  private async run(item: Item): Promise<void> {
    const handler = this.handlers.get(item.queue);
    if (!handler) {
      // A wiring mistake, not a bad item: say so loudly, but never leave an unhandled rejection behind.
      console.error(`datafactory: no handler for queue "${item.queue}"; item dropped`);
      return;
    }
    const jobId = jobIdOf(item.data);
    const signal = jobId
      ? AbortSignal.any([this.controller.signal, this.controllerFor(jobId).signal])
      : this.controller.signal;
    try {
      await handler.handle(item.data, { signal, attempt: item.attempt });
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      const unrecoverable = error.name === 'UnrecoverableError' || signal.aborted;
      if (!unrecoverable && item.attempt < (item.retry?.attempts ?? ITEM_ATTEMPTS)) {
        const delay = item.retry?.backoffMs ?? this.retryDelayMs;
        await new Promise((r) => setTimeout(r, delay * 2 ** (item.attempt - 1)));
        await this.run({ ...item, attempt: item.attempt + 1 });
        return;
      }
      await handler.fail(item.data, error);
    }
  }

  private track(data: object, delta: number): void {
    const jobId = jobIdOf(data);
    if (!jobId) return;
    const n = (this.busy.get(jobId) ?? 0) + delta;
    if (n > 0) this.busy.set(jobId, n);
    else this.busy.delete(jobId);
  }

  private controllerFor(jobId: string): AbortController {
    let controller = this.jobControllers.get(jobId);
    if (!controller) {
      controller = new AbortController();
      this.jobControllers.set(jobId, controller);
    }
    return controller;
  }
}

function jobIdOf(data: object): string | undefined {
  const id = (data as { jobId?: unknown }).jobId;
  return typeof id === 'string' ? id : undefined;
}
