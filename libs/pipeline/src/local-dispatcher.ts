import type { QueueName } from '@datafactory/contracts';
import { Dispatcher, ITEM_ATTEMPTS } from './dispatcher.js';
import type { StageHandler } from './stage-handlers.js';

interface Item {
  queue: QueueName;
  data: object;
  attempt: number;
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

  async enqueue(queue: QueueName, data: object, id: string): Promise<void> {
    if (this.seen.has(id)) return;
    this.seen.add(id);
    const list = this.waiting.get(queue) ?? [];
    list.push({ queue, data, attempt: 1 });
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
        this.pump(queue);
        if (this.isIdle()) {
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
    try {
      await handler.handle(item.data, { signal: this.controller.signal, attempt: item.attempt });
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      const unrecoverable = error.name === 'UnrecoverableError' || this.controller.signal.aborted;
      if (!unrecoverable && item.attempt < ITEM_ATTEMPTS) {
        await new Promise((r) => setTimeout(r, this.retryDelayMs * 2 ** (item.attempt - 1)));
        await this.run({ ...item, attempt: item.attempt + 1 });
        return;
      }
      await handler.fail(item.data, error);
    }
  }
}
