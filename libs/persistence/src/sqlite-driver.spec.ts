import { describe, expect, it } from 'vitest';
import { cachePreparedStatements } from './sqlite-driver.js';

describe('cachePreparedStatements', () => {
  it('compiles each SQL text once, and forgets the least recently used past 500 texts', () => {
    const compiled: string[] = [];
    const db = { prepare: (sql: string): unknown => (compiled.push(sql), { sql, n: compiled.length }) };
    cachePreparedStatements(db);
    const first = db.prepare('select 1');
    expect(db.prepare('select 1')).toBe(first);
    expect(compiled).toEqual(['select 1']);
    for (let i = 0; i < 499; i++) db.prepare(`select ${i + 2}`);
    db.prepare('select 1'); // used again: now the most recent
    db.prepare('select 501'); // the 501st text: "select 2" goes
    expect(db.prepare('select 1')).toBe(first);
    const before = compiled.length;
    db.prepare('select 2');
    expect(compiled.length).toBe(before + 1);
  });
});
