import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the checkpointer copies the write-ahead log into the database file. */
const CHECKPOINT_EVERY_MS = 200;
/**
 * The writing connection's own automatic checkpoint, in pages, while a
 * checkpointer runs: only reached when the checkpointer cannot keep up (a
 * long read holds the log), where SQLite's default is 1,000 (4 MB).
 */
export const FALLBACK_AUTOCHECKPOINT_PAGES = 16_384;

// CommonJS, run with `eval`: the thread's own connection checkpoints (PASSIVE: never waits for readers or
// writers) every `everyMs`, and once more when asked to stop.
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
let db;
let timer;
const checkpoint = () => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy: the next tick */ }
};
try {
  db = new Database(workerData.path, { timeout: 0, fileMustExist: true });
  timer = setInterval(checkpoint, workerData.everyMs);
} catch {
  db = undefined;
}
parentPort.on('message', () => {
  clearInterval(timer);
  if (db) {
    checkpoint();
    db.close();
  }
  parentPort.close();
});
`;

/**
 * Copies SQLite's write-ahead log into the database file from a thread of
 * its own. Left to the writing connection, SQLite does this inside a commit
 * (every 1,000 pages of log): the copy and its fsync then stop the main
 * thread of `datafactory run` for ~17 ms each, about 13 ms a page over a job,
 * and every LLM reply and crawl response waits that long. From here the
 * commits only append to the log; PASSIVE checkpoints never block them.
 */
export class SqliteCheckpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  private gone = false;
  private stopped?: Promise<void>;

  private constructor(path: string, everyMs: number) {
    const module = createRequire(import.meta.url).resolve('better-sqlite3');
    // No flags of the parent's: `--input-type=module` (a `node -e` script's) would make THREAD a module.
    this.worker = new Worker(THREAD, { eval: true, execArgv: [], workerData: { path, module, everyMs } });
    this.exited = new Promise((resolve) => this.worker.once('exit', () => ((this.gone = true), resolve())));
    // A checkpointer never keeps a process alive, and its failure only leaves checkpoints to the writer.
    this.worker.unref();
    this.worker.on('error', () => undefined);
  }

  /** A checkpointer for the database file at `path` (none for `:memory:` or an empty path). */
  static start(path: string, everyMs = CHECKPOINT_EVERY_MS): SqliteCheckpointer | undefined {
    if (!path || path === ':memory:' || path.startsWith('file::memory:')) return undefined;
    return new SqliteCheckpointer(path, everyMs);
  }

  /** A last checkpoint, then the thread ends. */
  stop(): Promise<void> {
    this.stopped ??= this.gone
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          // Whoever awaits the stop keeps the process alive until the thread is gone.
          this.worker.ref();
          this.worker.postMessage('stop');
          // A thread stuck in a checkpoint (a slow disk) is ended; the writer's own checkpoint covers for it.
          const timer = setTimeout(() => void this.worker.terminate(), 5_000);
          void this.exited.then(() => (clearTimeout(timer), resolve()));
        });
    return this.stopped;
  }
}
