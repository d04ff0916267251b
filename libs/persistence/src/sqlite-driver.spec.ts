import { describe, expect, it } from 'vitest';
import { bindParameters, cachePreparedStatements } from './sqlite-driver.js';

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

describe('bindParameters', () => {
  it('binds values as MikroORM would write them into the SQL, one placeholder per array element', () => {
    const at = new Date(1_700_000_000_000);
    expect(
      bindParameters('select * from t where a = ? and b in (?) and c = ? and d = ? and e = ? and f = ?', [
        "it's",
        ['x', 2, null],
        true,
        at,
        { k: [1] },
        undefined,
      ]),
    ).toEqual({
      sql: 'select * from t where a = ? and b in (?, ?, ?) and c = ? and d = ? and e = ? and f = ?',
      params: ["it's", 'x', 2, null, 1, 1_700_000_000_000, '{"k":[1]}', null],
    });
    expect(bindParameters('select ?', [false])).toEqual({ sql: 'select ?', params: [0] });
    expect(bindParameters('select 1', [])).toEqual({ sql: 'select 1', params: [] });
  });

  it("leaves to MikroORM's formatting what it alone handles", () => {
    expect(bindParameters('select ?? from t', ['a'])).toBeNull(); // an identifier
    expect(bindParameters('select \\? from t where a = ?', [1])).toBeNull(); // an escaped question mark
    expect(bindParameters('select ?', [Number.NaN])).toBeNull();
    expect(bindParameters('select ?', [[[1, 2]]])).toBeNull();
    const tagged = Object.defineProperty([1, 2], Symbol('json'), { value: true });
    expect(bindParameters('insert into t values (?)', [tagged])).toBeNull(); // a JSON array value
    expect(bindParameters('select ?, ?', [1])).toBeNull(); // fewer values than placeholders
    expect(bindParameters('select ?', [1, 2])).toBeNull(); // more
  });
});
