import { existsSync } from 'node:fs';
import { MikroORM, type EntityManager, type Transaction } from '@mikro-orm/core';
import type { DatabaseConfig } from '@datafactory/config';
import { postgresqlMigrations } from './migrations/postgresql/index.js';
import { sqliteMigrations } from './migrations/sqlite/index.js';
import { createOrmConfig, MIGRATIONS_TABLE } from './orm-config.js';
import { quoteIdent } from './sql-ident.js';

export interface MigrateResult {
  /** Names of the migrations this run applied, in order (empty when the database was up to date). */
  applied: string[];
}

/** Opens a short-lived ORM (for commands: migrate, status), runs `fn`, closes it. */
export async function withOrm<T>(db: DatabaseConfig, fn: (orm: MikroORM) => Promise<T>): Promise<T> {
  const orm = await MikroORM.init(createOrmConfig(db));
  try {
    return await fn(orm);
  } finally {
    await orm.close(true);
  }
}

/**
 * Applies the pending migrations of the configured database: the SQLite file
 * (and its folder) or the PostgreSQL schema are created when missing. Running
 * it again applies nothing. Run it as a command (`datafactory db migrate`),
 * never from a module's init.
 *
 * On PostgreSQL, concurrent runs (two machines starting at once) serialise on
 * a transaction-scoped advisory lock; on SQLite the file's write lock does it.
 */
export async function migrateDatabase(
  db: DatabaseConfig,
  log: (line: string) => void = () => {},
): Promise<MigrateResult> {
  return withOrm(db, async (orm) => {
    const migrator = orm.migrator;
    migrator.on('migrated', ({ name }) => log(`applied ${name}`));
    let done;
    if (db.driver === 'postgresql') {
      // Serialise concurrent runs (two hosts starting at once) on a transaction-scoped advisory lock.
      // The schema is created (and committed) first: the migrator creates its tracking table on
      // another pooled connection, which must see the schema.
      const connection = orm.em.getConnection();
      const locked = <T>(fn: (trx: Transaction) => Promise<T>) =>
        connection.transactional(async (trx) => {
          await connection.execute('select pg_advisory_xact_lock(hashtext(?))', [lockKey(db)], 'all', trx);
          return fn(trx);
        });
      if (db.schema) {
        const schema = db.schema;
        await locked((trx) => connection.execute(`create schema if not exists ${quoteIdent(schema)}`, [], 'run', trx));
      }
      done = await locked((trx) => migrator.up({ transaction: trx }));
    } else {
      done = await migrator.up();
    }
    const applied = done.map((m) => m.name);
    if (applied.length === 0) log('database is up to date');
    return { applied };
  });
}

function lockKey(db: DatabaseConfig): string {
  return `datafactory:migrate:${db.driver === 'postgresql' ? (db.schema ?? 'public') : db.path}`;
}

/**
 * Names of the migrations not applied yet to the configured database, for
 * `doctor` and status output. It changes nothing: a missing SQLite file,
 * PostgreSQL schema or tracking table means every migration is pending.
 */
export async function pendingMigrations(db: DatabaseConfig): Promise<string[]> {
  const all = (db.driver === 'sqlite' ? sqliteMigrations : postgresqlMigrations).map((m) => m.name);
  if (db.driver === 'sqlite' && db.path !== ':memory:' && !existsSync(db.path)) return all;
  return withOrm(db, async (orm) => {
    const connection = orm.em.getConnection();
    const exists =
      db.driver === 'sqlite'
        ? await connection.execute(
            `select 1 from sqlite_master where type = 'table' and name = ?`,
            [MIGRATIONS_TABLE],
            'all',
          )
        : await connection.execute(
            `select 1 from information_schema.tables where table_schema = coalesce(?, current_schema()) and table_name = ?`,
            [db.schema ?? null, MIGRATIONS_TABLE],
            'all',
          );
    if ((exists as unknown[]).length === 0) return all;
    const pending = await orm.migrator.getPending();
    return pending.map((m) => m.name);
  });
}

/**
 * A cheap health check: `select 1` through the ORM's connection. Resolves to
 * the round trip in milliseconds; rejects when the database fails to answer,
 * or does not answer within `timeoutMs`. Needs no request context.
 */
export async function checkDatabase(target: MikroORM | EntityManager, timeoutMs = 5_000): Promise<number> {
  const em = target instanceof MikroORM ? target.em : target;
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`database did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([em.getConnection().execute('select 1', [], 'all'), timeout]);
  } finally {
    clearTimeout(timer);
  }
  return Math.round((performance.now() - started) * 100) / 100;
}

export { MIGRATIONS_TABLE };
