import { describe, expect, it } from 'vitest';
import { cachePreparedStatements } from './sqlite-driver.js';

describe('cachePreparedStatements', () => {
  it('compiles each SQL text once, and forgets the least recently used past 200 texts', () => {
    const compiled: string[] = [];
    const db = { prepare: (sql: string): unknown => (compiled.push(sql), { sql, n: compiled.length }) };
    cachePreparedStatements(db);
    const first = db.prepare('select 1');
    expect(db.prepare('select 1')).toBe(first);
    expect(compiled).toEqual(['select 1']);
    for (let i = 0; i < 199; i++) db.prepare(`select ${i + 2}`);
    db.prepare('select 1'); // used again: now the most recent
    db.prepare('select 201'); // the 201st text: "select 2" goes
    expect(db.prepare('select 1')).toBe(first);
    const before = compiled.length;
    db.prepare('select 2');
    expect(compiled.length).toBe(before + 1);
    // Long SQL (values written into it) is compiled each time, not kept.
    const long = `insert into t values ('${'x'.repeat(3000)}')`;
    expect(db.prepare(long)).not.toBe(db.prepare(long));
  });
});
