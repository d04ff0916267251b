import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseDatabaseUrl, redactUrl } from './config.js';

describe('loadConfig', () => {
  it('applies the documented defaults to an empty environment', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8000);
    expect(c.dataDir).toBe(path.resolve('./data'));
    expect(c.database).toEqual({
      driver: 'sqlite',
      path: path.resolve('./data/datafactory.db'),
      busyTimeoutMs: 10_000,
    });
    expect(c.redis).toEqual({ url: 'redis://127.0.0.1:6379', prefix: 'df', explicit: false });
    expect(c.llm.model).toBe('gpt-4o-mini');
    expect(c.llm.apiKey).toBeUndefined();
    expect(c.chromePath).toBe('/usr/bin/chromium');
  });

  it('tells a REDIS_URL that was set from the default address (npm start runs embedded only without one)', () => {
    expect(loadConfig({ REDIS_URL: 'redis://10.0.0.5:6379' }).redis).toMatchObject({
      url: 'redis://10.0.0.5:6379',
      explicit: true,
    });
    expect(loadConfig({ REDIS_DEFAULT_URL: 'redis://127.0.0.1:1' }).redis).toMatchObject({
      url: 'redis://127.0.0.1:1',
      explicit: false,
    });
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT must be an integer from 1 to 65535 (got "abc")'],
    [{ PORT: '70000' }, 'PORT must be an integer'],
    [{ REDIS_URL: 'http://x' }, 'REDIS_URL must start with redis:// or rediss://'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of'],
    [{ OPENAI_BASE_URL: 'not a url' }, 'OPENAI_BASE_URL must be a URL'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL must be postgres://'],
    [{ REDIS_PREFIX: 'a b' }, 'REDIS_PREFIX must be letters'],
    [{ API_TOKEN: 'short' }, 'API_TOKEN must be at least 16 characters'],
    [{ CORS_ORIGIN: 'https://ok.example,not an origin' }, 'CORS_ORIGIN must be origins'],
    [{ RATE_LIMIT_PER_MINUTE: '0' }, 'RATE_LIMIT_PER_MINUTE must be an integer'],
  ])('rejects %j with one line naming the variable', (env, message) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('never repeats a password from a URL in its error', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://u:s3cret@h/db' })).toThrow(/u:\*\*\*@/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://u:s3cret@h/db' })).not.toThrow(/s3cret/);
  });
});

describe('parseDatabaseUrl', () => {
  it('reads PostgreSQL URLs and their schema parameter', () => {
    expect(parseDatabaseUrl('postgres://u@127.0.0.1/test?schema=run_1', '/d', 5)).toEqual({
      driver: 'postgresql',
      url: 'postgres://u@127.0.0.1/test',
      schema: 'run_1',
    });
    expect(() => parseDatabaseUrl('postgres://h/db?schema=a;drop', '/d', 5)).toThrow(/plain SQL identifier/);
  });

  it('reads SQLite file URLs', () => {
    expect(parseDatabaseUrl('sqlite:/tmp/x.db', '/d', 5)).toEqual({
      driver: 'sqlite',
      path: '/tmp/x.db',
      busyTimeoutMs: 5,
    });
    expect(parseDatabaseUrl('file:rel.db', '/d', 5)).toMatchObject({ path: path.resolve('rel.db') });
  });

  it('redacts passwords', () => {
    expect(redactUrl('postgres://me:pw@host/db')).toBe('postgres://me:***@host/db');
  });
});
