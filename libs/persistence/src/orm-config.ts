import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Options } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { CachingSqliteDriver } from './sqlite-driver.js';
import type { DatabaseConfig } from '@datafactory/config';
import { ENTITIES } from './entities/entities.js';
import { postgresqlMigrations } from './migrations/postgresql/index.js';
import { sqliteMigrations } from './migrations/sqlite/index.js';
import { quoteIdent } from './sql-ident.js';

/** Name of the table where MikroORM records the migrations it has applied. */
export const MIGRATIONS_TABLE = 'mikro_orm_migrations';

export interface OrmConfigOptions {
  /** Log every SQL statement through MikroORM's logger. */
  debug?: boolean;
  /** Where MikroORM's logger writes (default console.log). */
  logger?: (message: string) => void;
}

/** MikroORM options for either driver; `Options` is driver-agnostic on purpose. */
export type OrmConfig = Partial<Options>;

/**
 * Pragmas run on every SQLite connection MikroORM opens:
 * - WAL lets readers (the API) run while a writer (a worker) commits;
 * - busy_timeout makes a writer wait for the lock instead of failing with
 *   SQLITE_BUSY when another process holds it;
 * - synchronous=NORMAL is the recommended (and still corruption-safe) level
 *   for WAL; foreign_keys=ON enforces the FK constraints and their cascades.
 */
export function sqlitePragmas(busyTimeoutMs: number): string[] {
  return [
    `pragma busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`,
    'pragma journal_mode = WAL',
    'pragma synchronous = NORMAL',
    'pragma foreign_keys = ON',
  ];
}

/** The minimum of a Kysely DatabaseConnection that onCreateConnection receives. */
interface KyselyConnection {
  executeQuery(query: {
    sql: string;
    parameters: readonly unknown[];
    query: unknown;
    queryId: unknown;
  }): Promise<unknown>;
}

/** A Kysely CompiledQuery for a raw statement (what `CompiledQuery.raw()` builds; kysely is not our direct dependency). */
function rawQuery(sql: string) {
  return {
    sql,
    parameters: [],
    query: { kind: 'RawNode', sqlFragments: [sql], parameters: [] },
    queryId: { queryId: `df-${sql}` },
  };
}

/**
 * Makes every transaction on this SQLite connection start with `begin
 * immediate` (Kysely's driver sends a plain, deferred `begin`, and MikroORM
 * has no option for it). A deferred transaction that reads first and writes
 * later cannot wait for the lock: when another process committed in between,
 * SQLite fails it at once with SQLITE_BUSY_SNAPSHOT, whatever busy_timeout
 * says. An immediate one takes the write lock up front, waiting up to
 * busy_timeout for it, so API and worker processes queue instead of failing.
 * Reads outside transactions are not affected (WAL lets them run alongside).
 */
function beginImmediate(conn: KyselyConnection): void {
  const execute = conn.executeQuery.bind(conn);
  conn.executeQuery = (query) => execute(/^\s*begin\s*;?\s*$/i.test(query.sql) ? rawQuery('begin immediate') : query);
}

/**
 * MikroORM options for the configured database. Entities and migrations are
 * passed as classes (no folder discovery), so the same config works from the
 * TypeScript sources (vitest) and from the compiled dist. Migrations are not
 * run here: see migrateDatabase().
 */
export function createOrmConfig(db: DatabaseConfig, options: OrmConfigOptions = {}): OrmConfig {
  const common = {
    entities: [...ENTITIES],
    extensions: [Migrator],
    ensureIndexes: false,
    allowGlobalContext: false,
    debug: options.debug ?? false,
    ...(options.logger ? { logger: options.logger } : {}),
  } satisfies OrmConfig;

  if (db.driver === 'sqlite') {
    if (db.path !== ':memory:') mkdirSync(path.dirname(db.path), { recursive: true });
    const pragmas = sqlitePragmas(db.busyTimeoutMs);
    return {
      ...common,
      driver: CachingSqliteDriver,
      dbName: db.path,
      // better-sqlite3's own `timeout` is its busy timeout too; the pragma below makes it explicit.
      driverOptions: { timeout: db.busyTimeoutMs },
      onCreateConnection: async (connection: unknown) => {
        const conn = connection as KyselyConnection;
        for (const sql of pragmas) await conn.executeQuery(rawQuery(sql));
        beginImmediate(conn);
      },
      migrations: {
        tableName: MIGRATIONS_TABLE,
        migrationsList: sqliteMigrations,
        transactional: true,
        allOrNothing: true,
        snapshot: false,
        silent: true,
      },
    };
  }

  return {
    ...common,
    driver: PostgreSqlDriver,
    clientUrl: db.url,
    // Every table lives in `schema` when it is set: MikroORM qualifies table names with it, the
    // migrator issues `set search_path` to it before each migration, and every connection starts
    // with it as its search_path so that raw SQL (`em.execute('update jobs ...')`) needs no prefix.
    ...(db.schema ? { schema: db.schema, driverOptions: { options: `-c search_path=${quoteIdent(db.schema)}` } } : {}),
    migrations: {
      tableName: MIGRATIONS_TABLE,
      migrationsList: postgresqlMigrations,
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      silent: true,
      ...(db.schema ? { schema: db.schema } : {}),
    },
  };
}
