import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type DatabaseConfig, parseDatabaseUrl } from '@datafactory/config';

/** The machine's shared PostgreSQL (trust auth, database `test`). */
export const TEST_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** A schema name no other run uses; tests drop it when done. */
export function uniqueSchema(prefix = 'df_test'): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** A unique Redis key prefix, so runs sharing the machine's Redis never see each other's keys. */
export function uniqueRedisPrefix(prefix = 'dftest'): string {
  return `${prefix}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Removes every key under `prefix:` from the Redis at `url` (the run's own keys only). */
export async function deleteRedisKeys(url: string, prefix: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Drops a schema this run created (CASCADE); never touches any other. */
export async function dropPostgresSchema(url: string, schema: string): Promise<void> {
  if (!/^df_test_[a-z0-9_]+$/i.test(schema)) throw new Error(`refusing to drop schema "${schema}": not a test schema`);
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}

/** A database a test suite runs against: a fresh SQLite file or a fresh PostgreSQL schema each time. */
export interface TestDatabaseTarget {
  name: 'sqlite' | 'postgresql';
  db(): DatabaseConfig;
  cleanup(db: DatabaseConfig): Promise<void>;
}

/** SQLite (a file in a new temporary folder named `tmpPrefix`...) and PostgreSQL (a unique schema), for describe.each. */
export function testDatabaseTargets(tmpPrefix: string): TestDatabaseTarget[] {
  return [
    {
      name: 'sqlite',
      db: () => {
        const dir = mkdtempSync(path.join(os.tmpdir(), tmpPrefix));
        return { driver: 'sqlite', path: path.join(dir, 'df.db'), busyTimeoutMs: 10_000 };
      },
      cleanup: async (db) => {
        if (db.driver === 'sqlite') rmSync(path.dirname(db.path), { recursive: true, force: true });
      },
    },
    {
      name: 'postgresql',
      db: () => parseDatabaseUrl(`${TEST_POSTGRES_URL}?schema=${uniqueSchema()}`, os.tmpdir(), 0),
      cleanup: async (db) => {
        if (db.driver === 'postgresql' && db.schema) await dropPostgresSchema(TEST_POSTGRES_URL, db.schema);
      },
    },
  ];
}
