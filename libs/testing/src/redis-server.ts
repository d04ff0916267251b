import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from './processes.js';
import { waitFor } from './wait.js';
import { Socket } from 'node:net';

/**
 * A private redis-server on a spare port, for tests that stop and restart
 * Redis; the machine's shared Redis is never stopped.
 */
export class PrivateRedis {
  private child?: ChildProcess;
  private constructor(
    readonly port: number,
    /** With a folder, Redis keeps an append-only file there, so its data survives a restart. */
    private readonly dir?: string,
  ) {}

  static async start(options: { persistDir?: string } = {}): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort(), options.persistDir);
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        ...(this.dir ? ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', this.dir] : ['--appendonly', 'no']),
      ],
      {
        stdio: 'ignore',
      },
    );
    await waitFor(() => canConnect(this.port).then((ok) => (ok ? true : undefined)), {
      timeoutMs: 10_000,
      what: `redis-server on port ${this.port}`,
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    child.kill('SIGKILL');
    await once(child, 'exit');
    this.child = undefined;
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.connect(port, '127.0.0.1');
  });
}
