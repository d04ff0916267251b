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
  /** Names of the components that are down (empty when ok). */
  down: string[];
  database: ComponentHealth & { driver: 'sqlite' | 'postgresql' };
  redis: ComponentHealth;
  workers: WorkersHealth;
  version: string;
  uptimeSeconds: number;
}
