import { describe, expect, it } from 'vitest';
import { reconnectForever, redisOptionsFromUrl } from './redis.js';

describe('redisOptionsFromUrl', () => {
  it('reads host, port, credentials, database and TLS', () => {
    expect(redisOptionsFromUrl('redis://127.0.0.1:6379')).toMatchObject({ host: '127.0.0.1', port: 6379, db: 0 });
    expect(redisOptionsFromUrl('rediss://me:p%40ss@cache.example:6380/3')).toEqual({
      host: 'cache.example',
      port: 6380,
      username: 'me',
      password: 'p@ss',
      db: 3,
      tls: {},
    });
  });

  it('backs off to at most 2 s and never gives up', () => {
    expect(reconnectForever(1)).toBe(200);
    expect(reconnectForever(1000)).toBe(2000);
  });
});
