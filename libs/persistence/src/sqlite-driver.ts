import type { Configuration } from '@mikro-orm/core';
import type { Dictionary } from '@mikro-orm/sql';
import { SqliteConnection, SqliteDriver } from '@mikro-orm/sqlite';
import type { Dialect } from 'kysely';

/** Distinct SQL texts whose compiled statements are kept (least recently used go first). */
const STATEMENT_CACHE = 200;
/**
 * Longer SQL is compiled each time: such texts carry values MikroORM writes into them (a chunk's content),
 * so they rarely repeat, and each kept one would hold its text and program in memory.
 */
const CACHED_SQL_CHARS = 2048;

interface Preparer {
  prepare(sql: string): unknown;
}

/**
 * Keeps better-sqlite3's compiled statements by SQL text. Kysely's SQLite
 * driver, which MikroORM runs every query through, compiles each query again
 * (`db.prepare(sql)` per call): 9-10% of the main thread of `datafactory run`
 * in a CPU profile. A better-sqlite3 statement can run again with new
 * parameters; Kysely only calls `all`/`run` on it, or `iterate` for streams,
 * which nothing here uses.
 */
export function cachePreparedStatements(db: Preparer): void {
  const prepare = db.prepare.bind(db);
  const cache = new Map<string, unknown>();
  db.prepare = (sql: string) => {
    const hit = cache.get(sql);
    if (hit !== undefined) {
      cache.delete(sql);
      cache.set(sql, hit);
      return hit;
    }
    const statement = prepare(sql);
    if (sql.length > CACHED_SQL_CHARS) return statement;
    if (cache.size >= STATEMENT_CACHE) cache.delete(cache.keys().next().value!);
    cache.set(sql, statement);
    return statement;
  };
}

class CachingSqliteConnection extends SqliteConnection {
  override createKyselyDialect(options: Dictionary): Dialect {
    const dialect = super.createKyselyDialect(options);
    cachePreparedStatements((this as unknown as { database: Preparer }).database);
    return dialect;
  }
}

/** MikroORM's better-sqlite3 driver with compiled statements kept (see cachePreparedStatements). */
export class CachingSqliteDriver extends SqliteDriver {
  constructor(config: Configuration) {
    super(config);
    (this as unknown as { connection: SqliteConnection }).connection = new CachingSqliteConnection(config);
  }
}
