import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MikroORM } from '@mikro-orm/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createOrmConfig } from './orm-config.js';
import { SqliteCheckpointer } from './sqlite-checkpointer.js';

/** The parts of better-sqlite3 (which ships no types) these tests use. */
interface Statement {
  run(...values: unknown[]): unknown;
  get(...values: unknown[]): unknown;
}
interface SqliteDatabase {
  pragma(sql: string): unknown;
  exec(sql: string): void;
  prepare(sql: string): Statement;
  close(): void;
}
const Database = createRequire(import.meta.url)('better-sqlite3') as new (
  file: string,
  options?: { readonly?: boolean },
) => SqliteDatabase;

const dir = mkdtempSync(path.join(tmpdir(), 'df-checkpoint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Rows of `table` in the database file alone: what has been checkpointed (a copy without its log). */
function checkpointedRows(file: string, table: string): number {
  const copy = `${file}.copy-${Math.random().toString(36).slice(2)}`;
  copyFileSync(file, copy);
  const db = new Database(copy, { readonly: true });
  try {
    const exists = db.prepare(`select 1 from sqlite_master where name = ?`).get(table);
    return exists ? (db.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n : 0;
  } finally {
    db.close();
    rmSync(copy, { force: true });
  }
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
}

describe('SqliteCheckpointer', () => {
  it("copies the writer's log into the database file from its own thread, and closes the file at stop", async () => {
    const file = path.join(dir, 'a.db');
    const writer = new Database(file);
    writer.pragma('journal_mode = WAL');
    // The writer never checkpoints itself: only the checkpointer can put these rows into the file.
    writer.pragma('wal_autocheckpoint = 0');
    writer.exec('create table t (id integer primary key, v text)');
    const insert = writer.prepare('insert into t (v) values (?)');
    for (let i = 0; i < 300; i++) insert.run(`row ${i}`);
    expect(checkpointedRows(file, 't')).toBe(0);
    const checkpointer = SqliteCheckpointer.start(file, 20)!;
    await until(() => checkpointedRows(file, 't') === 300);
    expect(checkpointedRows(file, 't')).toBe(300);
    for (let i = 0; i < 50; i++) insert.run(`more ${i}`);
    await checkpointer.stop();
    // The last checkpoint at stop: everything written is in the file.
    expect(checkpointedRows(file, 't')).toBe(350);
    writer.close();
    expect(existsSync(`${file}-wal`)).toBe(false);
  });

  it('starts none for an in-memory database', () => {
    expect(SqliteCheckpointer.start(':memory:')).toBeUndefined();
    expect(SqliteCheckpointer.start('')).toBeUndefined();
  });

  it("runs beside every file connection MikroORM opens, and the writer's own checkpoint waits for 16,384 pages", async () => {
    const file = path.join(dir, 'orm.db');
    const orm = await MikroORM.init(createOrmConfig({ driver: 'sqlite', path: file, busyTimeoutMs: 1000 }));
    const conn = orm.em.getConnection();
    expect(await conn.execute('pragma wal_autocheckpoint')).toEqual([{ wal_autocheckpoint: 16_384 }]);
    await conn.execute('create table t (id integer primary key, v text)');
    for (let i = 0; i < 100; i++) await conn.execute('insert into t (v) values (?)', [`row ${i}`]);
    await until(() => checkpointedRows(file, 't') === 100);
    expect(checkpointedRows(file, 't')).toBe(100);
    await orm.close();
    expect(existsSync(`${file}-wal`)).toBe(false);
  });
});
