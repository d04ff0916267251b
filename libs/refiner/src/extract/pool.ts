import { Worker } from 'node:worker_threads';
import { extractSource, type PageOptions, type PageOutcome, type SourceInput } from './page.js';
import type { ExtractRequest, ExtractResponse } from './worker-entry.js';

export interface ExtractionPoolOptions {
  /** Time limit per page; past it the worker thread is stopped and a fresh one takes the next page. */
  timeoutMs: number;
  /** Heap limit of the worker thread; a page that needs more fails alone (default 2048). */
  maxMemoryMb?: number;
  /** Run in a worker thread (default). `false` runs in the calling thread, where no time limit can apply. */
  isolate?: boolean;
  /**
   * Arms a page's time limit: calls `hit` after `ms` and returns a function that disarms it. Default:
   * setTimeout. A test passes its own to hit the limit on cue instead of depending on how slow a page is.
   */
  pageTimer?: PageTimer;
}

export type PageTimer = (hit: () => void, ms: number) => () => void;

const realTimer: PageTimer = (hit, ms) => {
  const timer = setTimeout(hit, ms);
  return () => clearTimeout(timer);
};

/** What the pool did so far: the signals a caller (or a test) can read instead of timing pages. */
export interface ExtractionPoolStats {
  /** Worker threads started (the first one, and one after every thread that was stopped or died). */
  workersStarted: number;
  /** Pages whose time limit was hit: each one stopped its worker thread. */
  timeouts: number;
  /** Worker threads stopped or lost on a page (time limit, out of memory, crash, exit). */
  workersDiscarded: number;
}

/** The page could not be extracted in time, or the worker thread died on it. */
export class ExtractionFailedError extends Error {
  readonly reason: string;
  constructor(reason: string) {
    super(reason);
    this.reason = reason;
    this.name = 'ExtractionFailedError';
  }
}

/*
 * Under the compiled build the worker entry is a .js file beside this one.
 * Under Vitest the sources are .ts: Node strips their types itself, and a
 * resolve hook maps the ".js" specifiers of relative imports to the ".ts" files
 * and a lib's name (`@datafactory/text`) to its entry, as the path aliases do.
 */
const TS_BOOTSTRAP = `
const { registerHooks } = require('node:module');
const { workerData } = require('node:worker_threads');
registerHooks({
  resolve(specifier, context, next) {
    if (/^\\.\\.?\\//.test(specifier) && specifier.endsWith('.js') && context.parentURL && context.parentURL.endsWith('.ts')) {
      try { return next(specifier.slice(0, -3) + '.ts', context); } catch {}
    }
    const lib = /^@datafactory\\/([a-z]+)$/.exec(specifier);
    if (lib) return next(new URL('../../../' + lib[1] + '/src/index.ts', workerData.entry).href, context);
    return next(specifier, context);
  },
});
import(workerData.entry);
`;

/** How long a new worker thread may take to load its modules. */
const STARTUP_TIMEOUT_MS = 60_000;

/**
 * The thread's young generation (new objects; V8 scavenges it when full). V8's default on a machine with
 * a few GB is 3 × 64 MB, and the thread's churn of DOMs fills and keeps committed 128 MB of it, nearly all
 * empty between scavenges; at 24 MB (8 MB semi-spaces) it scavenges more often, each time as quickly
 * (docs/scaling.md, "Memory of one process").
 */
const YOUNG_GENERATION_MB = 24;

function startWorker(maxMemoryMb: number): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(`./worker-entry.${fromSource ? 'ts' : 'js'}`, import.meta.url);
  const resourceLimits = {
    maxOldGenerationSizeMb: maxMemoryMb,
    maxYoungGenerationSizeMb: YOUNG_GENERATION_MB,
    stackSizeMb: 16,
  };
  return fromSource
    ? new Worker(TS_BOOTSTRAP, { eval: true, workerData: { entry: entry.href }, resourceLimits })
    : new Worker(entry, { resourceLimits });
}

/**
 * Runs extraction in a worker thread, one page at a time, with a time limit:
 * a page that hangs the parser or exhausts the heap costs that page only.
 */
export class ExtractionPool {
  private worker: Worker | null = null;
  private ready: Promise<void> | null = null;
  private nextId = 1;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly counters: ExtractionPoolStats = { workersStarted: 0, timeouts: 0, workersDiscarded: 0 };

  constructor(private readonly options: ExtractionPoolOptions) {}

  /** A copy of the counters. */
  stats(): ExtractionPoolStats {
    return { ...this.counters };
  }

  run(html: string, page: PageOptions): Promise<PageOutcome> {
    return this.runSource({ kind: 'html', html }, page);
  }

  /** Any source (a page, a text, a PDF's or a Word file's bytes: see extractSource), same thread and time limit. */
  runSource(input: SourceInput, page: PageOptions): Promise<PageOutcome> {
    if (this.closed) return Promise.reject(new Error('extraction pool is closed'));
    if (this.options.isolate === false) return Promise.resolve().then(() => extractSource(input, page));
    const task = this.queue.then(() => this.runOne(input, page));
    this.queue = task.catch(() => undefined);
    return task;
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = null;
    this.ready = null;
    if (worker) await worker.terminate();
  }

  /** A worker that has loaded its modules (started on first use, and again after a timeout or crash). */
  private async readyWorker(): Promise<Worker> {
    if (this.worker && this.ready) {
      await this.ready;
      return this.worker;
    }
    const worker = startWorker(this.options.maxMemoryMb ?? 2048);
    this.counters.workersStarted++;
    this.worker = worker;
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => fail(new Error(`worker did not start in ${STARTUP_TIMEOUT_MS} ms`)),
        STARTUP_TIMEOUT_MS,
      );
      const onMessage = (m: ExtractResponse) => {
        if (!('ready' in m)) return;
        cleanup();
        resolve();
      };
      const fail = (e: Error) => {
        cleanup();
        if (this.worker === worker) this.worker = null;
        void worker.terminate();
        reject(new ExtractionFailedError(`extraction worker failed to start: ${e.message}`));
      };
      const onExit = (code: number) => fail(new Error(`exited with code ${code}`));
      const cleanup = () => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', fail);
        worker.off('exit', onExit);
      };
      worker.on('message', onMessage);
      worker.on('error', fail);
      worker.on('exit', onExit);
    });
    try {
      await this.ready;
    } catch (e) {
      this.ready = null;
      throw e;
    }
    return worker;
  }

  private async runOne(input: SourceInput, page: PageOptions): Promise<PageOutcome> {
    if (this.closed) throw new Error('extraction pool is closed');
    const worker = await this.readyWorker();
    const id = this.nextId++;
    return new Promise<PageOutcome>((resolve, reject) => {
      const done = (fn: () => void) => {
        disarm();
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        worker.unref();
        fn();
      };
      const discard = () => {
        this.counters.workersDiscarded++;
        if (this.worker === worker) {
          this.worker = null;
          this.ready = null;
        }
        void worker.terminate();
      };
      const onMessage = (m: ExtractResponse) => {
        if ('ready' in m || m.id !== id) return;
        done(() =>
          m.ok ? resolve(m.outcome) : reject(new ExtractionFailedError(`${m.error.name}: ${m.error.message}`)),
        );
      };
      const onError = (e: Error) => {
        discard();
        const oom = (e as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY';
        done(() =>
          reject(
            new ExtractionFailedError(
              oom
                ? `extraction ran out of memory (limit ${this.options.maxMemoryMb ?? 2048} MB)`
                : `extraction crashed: ${e.message}`,
            ),
          ),
        );
      };
      const onExit = (code: number) => {
        discard();
        done(() => reject(new ExtractionFailedError(`extraction worker exited (code ${code})`)));
      };
      const disarm = (this.options.pageTimer ?? realTimer)(() => {
        this.counters.timeouts++;
        discard();
        done(() => reject(new ExtractionFailedError(`extraction took longer than ${this.options.timeoutMs} ms`)));
      }, this.options.timeoutMs);
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.ref();
      if ('bytes' in input) {
        // A copy of its own to transfer: the caller's buffer stays usable.
        const bytes = new Uint8Array(input.bytes);
        const message: ExtractRequest = { id, input: { kind: input.kind, bytes }, options: page };
        worker.postMessage(message, [bytes.buffer]);
      } else worker.postMessage({ id, input, options: page } satisfies ExtractRequest);
    });
  }
}
