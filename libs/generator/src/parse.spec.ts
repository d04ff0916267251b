import { describe, expect, it } from 'vitest';
import { extractJson } from './parse.js';

describe('extractJson', () => {
  it('reads plain JSON', () => {
    expect(extractJson('{"a":1}')).toEqual({ value: { a: 1 } });
    expect(extractJson('  [1,2] ')).toEqual({ value: [1, 2] });
  });

  it('reads JSON inside code fences, with or without a language', () => {
    expect(extractJson('Here you go:\n```json\n{"a": 1}\n```\nEnjoy')).toEqual({ value: { a: 1 } });
    expect(extractJson('```\n{"b": [1]}\n```')).toEqual({ value: { b: [1] } });
  });

  it('finds JSON with prose around it, skipping brackets inside strings', () => {
    expect(extractJson('Sure! {"q": "what is {x}?", "n": [1]} Hope it helps.')).toEqual({
      value: { q: 'what is {x}?', n: [1] },
    });
    expect(extractJson('Note [not json] then {"ok": true}')).toEqual({ value: { ok: true } });
  });

  it('returns undefined when there is no JSON', () => {
    expect(extractJson('')).toBeUndefined();
    expect(extractJson('I cannot help with that.')).toBeUndefined();
    expect(extractJson('{"truncated": "rep')).toBeUndefined();
  });
});
