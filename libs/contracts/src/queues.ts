/**
 * BullMQ queue names, one per pipeline stage. Every producer and processor
 * refers to these constants, never to string literals.
 */
export const QueueName = {
  Crawl: 'crawl',
  Refine: 'refine',
  Generate: 'generate',
  Inspect: 'inspect',
  Export: 'export',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

export const STAGE_QUEUES: readonly QueueName[] = Object.values(QueueName);

/** Redis keys outside BullMQ, all under the configured prefix. */
export const RedisKey = {
  /** `<prefix>:workers:<workerId>` holds a worker's heartbeat JSON with a TTL. */
  workerHeartbeat: (prefix: string, workerId: string) => `${prefix}:workers:${workerId}`,
  workerHeartbeatPattern: (prefix: string) => `${prefix}:workers:*`,
} as const;

/** A worker writes its heartbeat this often; /health calls a worker alive within the TTL. */
export const WORKER_HEARTBEAT_INTERVAL_MS = 5_000;
export const WORKER_HEARTBEAT_TTL_MS = 15_000;

export interface WorkerHeartbeat {
  workerId: string;
  hostname: string;
  pid: number;
  startedAt: string;
  lastSeenAt: string;
  queues: QueueName[];
  /** Jobs being processed right now by this worker. */
  active: number;
}
