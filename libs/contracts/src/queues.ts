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
  /** Not a stage: one item per webhook delivery (docs/development.md "Webhooks"). */
  Webhook: 'webhook',
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

/** Payloads of the per-item queue jobs; each carries its pipeline job id. */
/**
 * A crawl item: without `urlId` it starts the job's crawl (puts the job's URLs in the shared frontier);
 * with it, it fetches that frontier row (a page or a sitemap). Any worker takes any of them.
 */
export interface CrawlItem {
  jobId: string;
  urlId?: number;
}
export interface RefineItem {
  jobId: string;
  documentId: string;
}
export interface GenerateItem {
  jobId: string;
  chunkId: string;
}
export interface InspectItem {
  jobId: string;
  chunkId: string;
}
/** One POST of one event to one registered webhook (a `webhook_deliveries` row). */
export interface WebhookItem {
  deliveryId: string;
}
export interface ExportItem {
  jobId: string;
}

/** Channel on which a cancel reaches every worker (they abort that job's in-flight work). */
export const jobCancelChannel = (prefix: string): string => `${prefix}:job-cancel`;
