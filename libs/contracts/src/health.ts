export type ComponentState = 'ok' | 'down' | 'unknown';

export interface ComponentHealth {
  status: ComponentState;
  /** What is wrong, when not ok. */
  error?: string;
  latencyMs?: number;
}

export interface WorkersHealth extends ComponentHealth {
  count: number;
  lastHeartbeatAt: string | null;
}

export interface HealthReport {
  status: 'ok' | 'down';
  /**
   * `distributed`: jobs go through Redis to worker processes. `embedded`: the
   * stages run in the API's process with in-memory queues and no Redis (what
   * `npm start` does when REDIS_URL is unset and no Redis answers).
   */
  mode: 'embedded' | 'distributed';
  /** Names of the components that are down (empty when ok). */
  down: string[];
  database: ComponentHealth & { driver: 'sqlite' | 'postgresql' };
  redis: ComponentHealth;
  workers: WorkersHealth;
  version: string;
  uptimeSeconds: number;
}
