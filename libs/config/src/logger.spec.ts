import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { loggerParams } from './logger.js';

type Hooks = { logMethod(args: unknown[], method: (...a: unknown[]) => void, level: number): void };

describe('loggerParams', () => {
  const config = loadConfig({ DATA_DIR: '/tmp/df-logger-spec' });

  it('writes JSON lines with everything when stdout is not a terminal', () => {
    const http = loggerParams(config, 'api', false).pinoHttp as Record<string, unknown>;
    expect(http.transport).toBeUndefined();
    expect(http.hooks).toBeUndefined();
  });

  it("is readable on a terminal, and leaves Nest's start-up lines out there only", () => {
    const http = loggerParams(config, 'worker', true).pinoHttp as Record<string, unknown> & { hooks: Hooks };
    expect(http.transport).toMatchObject({ target: 'pino-pretty' });
    const written: unknown[][] = [];
    const method = (...a: unknown[]) => written.push(a);
    http.hooks.logMethod([{ context: 'RouterExplorer' }, 'Mapped {/api/jobs, GET} route'], method, 30);
    http.hooks.logMethod([{ context: 'InstanceLoader' }, 'AppModule dependencies initialized'], method, 30);
    http.hooks.logMethod([{ context: 'HeartbeatService' }, 'worker started'], method, 30);
    http.hooks.logMethod([{ context: 'NestApplication' }, 'failed to start'], method, 50);
    expect(written.map((a) => a[1])).toEqual(['worker started', 'failed to start']);
  });
});
