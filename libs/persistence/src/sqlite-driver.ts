import { type Configuration, isRaw, type LoggingOptions, type Transaction, Utils } from '@mikro-orm/core';
import { type Dictionary, NativeQueryBuilder } from '@mikro-orm/sql';
import { SqliteConnection, SqliteDriver } from '@mikro-orm/sqlite';
import { CompiledQuery, type Dialect, type Kysely } from 'kysely';
import { FALLBACK_AUTOCHECKPOINT_PAGES, SqliteCheckpointer } from './sqlite-checkpointer.js';

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

type Bindable = string | number | bigint | Buffer | null;

/** A value as better-sqlite3 binds it, the same as MikroORM's SQLite platform would write it; undefined: cannot. */
function bindable(value: unknown): Bindable | undefined {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'bigint':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : undefined;
    case 'boolean':
      return value ? 1 : 0; // SQLite's `true` and `false` are 1 and 0
  }
  if (value instanceof Date) return +value;
  if (Buffer.isBuffer(value)) return value;
  if (Utils.isPlainObject(value) && !isRaw(value)) return JSON.stringify(value);
  return undefined;
}

/**
 * The SQL with `?` placeholders and the values to bind to them, from SQL and
 * parameters as MikroORM passes them; null when a parameter is one that only
 * MikroORM's own formatting handles (`??` identifiers, raw fragments, nested
 * or tagged arrays, numbers that are not finite).
 *
 * MikroORM writes every parameter into the SQL text (`formatQuery`), so each
 * query with new values is a new text: better-sqlite3 compiled it again (its
 * `prepare` took 7% of `datafactory run`'s main thread in a CPU profile) and
 * the statement cache above never hit. An array parameter becomes one `?` per
 * element, as MikroORM lists them (`in (?)`); a plain object its JSON.
 */
export function bindParameters(sql: string, params: readonly unknown[]): { sql: string; params: Bindable[] } | null {
  if (sql.includes('??') || sql.includes('\\?')) return null;
  const out: Bindable[] = [];
  let text = '';
  let from = 0;
  let j = 0;
  for (let at = sql.indexOf('?'); at !== -1; at = sql.indexOf('?', at + 1)) {
    if (j >= params.length) return null;
    const value = params[j++];
    text += sql.slice(from, at);
    from = at + 1;
    if (Array.isArray(value)) {
      if (Object.getOwnPropertySymbols(value).length) return null; // a JSON array MikroORM tagged
      const items: Bindable[] = [];
      for (const item of value) {
        if (Array.isArray(item)) return null;
        const b = bindable(item);
        if (b === undefined) return null;
        items.push(b);
      }
      text += items.map(() => '?').join(', ');
      out.push(...items);
      continue;
    }
    const b = bindable(value);
    if (b === undefined) return null;
    text += '?';
    out.push(b);
  }
  if (j !== params.length) return null;
  return { sql: text + sql.slice(from), params: out };
}

class CachingSqliteConnection extends SqliteConnection {
  private checkpointer?: SqliteCheckpointer;

  override createKyselyDialect(options: Dictionary): Dialect {
    const dialect = super.createKyselyDialect(options);
    const database = (this as unknown as { database: Preparer & { name: string; pragma(sql: string): unknown } })
      .database;
    cachePreparedStatements(database);
    void this.checkpointer?.stop();
    this.checkpointer = SqliteCheckpointer.start(database.name);
    if (this.checkpointer) database.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
    return dialect;
  }

  override async close(force?: boolean): Promise<void> {
    await super.close(force);
    await this.checkpointer?.stop();
    this.checkpointer = undefined;
  }

  /** MikroORM's execute with the parameters bound, not written into the SQL (see bindParameters). */
  override async execute<T>(
    query: string | NativeQueryBuilder | { sql: string; params: readonly unknown[] },
    params: readonly unknown[] | Dictionary<unknown> = [],
    method: 'all' | 'get' | 'run' = 'all',
    ctx?: Transaction,
    loggerContext?: LoggingOptions,
  ): Promise<T> {
    let sql: string | undefined;
    let values: readonly unknown[] | undefined;
    if (typeof query === 'string' && Array.isArray(params)) [sql, values] = [query, params];
    else if (query instanceof NativeQueryBuilder) {
      const r = query.toRaw() as unknown as { sql: string; params: readonly unknown[] };
      [sql, values] = [r.sql, r.params];
    } else if (isRaw(query)) [sql, values] = [query.sql, query.params];
    const bound = sql !== undefined && values?.length ? bindParameters(sql, values) : null;
    const abortable = loggerContext as { signal?: unknown; inflightQueryAbortStrategy?: unknown } | undefined;
    if (!bound || abortable?.signal != null || abortable?.inflightQueryAbortStrategy != null) {
      return super.execute(query as never, params as never, method, ctx, loggerContext) as Promise<T>;
    }
    await this.ensureConnection();
    const client = (ctx ?? this.getClient()) as Kysely<unknown>;
    return this.executeQuery(
      bound.sql,
      async () =>
        this.transformRawResult<T>(await client.executeQuery(CompiledQuery.raw(bound.sql, bound.params)), method),
      { query: bound.sql, params: bound.params, ...loggerContext },
    );
  }
}

/** MikroORM's better-sqlite3 driver with compiled statements kept (see cachePreparedStatements). */
export class CachingSqliteDriver extends SqliteDriver {
  constructor(config: Configuration) {
    super(config);
    (this as unknown as { connection: SqliteConnection }).connection = new CachingSqliteConnection(config);
  }
}
