import type { EntityManager } from '@mikro-orm/core';
import { SqlitePlatform } from '@mikro-orm/sql';

/** Whether `em` talks to SQLite (the other dialect is PostgreSQL). */
export function isSqlite(em: EntityManager): boolean {
  return em.getPlatform() instanceof SqlitePlatform;
}

/**
 * A datetime as a parameter of hand-written SQL: SQLite keeps MikroORM
 * datetimes as epoch milliseconds, PostgreSQL as timestamptz. The ORM's own
 * queries (nativeUpdate, find) convert by themselves.
 */
export function sqlTimestamp(em: EntityManager, at: Date): number | Date {
  return isSqlite(em) ? at.getTime() : at;
}

/** The SQL expression for the UTC day (`YYYY-MM-DD`) of a datetime column. */
export function sqlUtcDay(em: EntityManager, column: string): string {
  return isSqlite(em)
    ? `strftime('%Y-%m-%d', ${column} / 1000, 'unixepoch')`
    : `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD')`;
}
