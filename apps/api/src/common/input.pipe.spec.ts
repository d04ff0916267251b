import { BadRequestException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { findProblems, InputPipe, MAX_BODY_DEPTH } from './input.pipe.js';

const nested = (depth: number) => JSON.parse(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`) as unknown;

describe('InputPipe', () => {
  it('names each NUL-bearing or lone-surrogate string by its path, keys included', () => {
    expect(
      findProblems({ name: 'a\u0000b', config: { generation: { template: '\ud800' } }, urls: ['ok', 'x\u0000'] }),
    ).toEqual([
      'name must not contain the NUL character (\\u0000)',
      'config.generation.template must be well-formed Unicode (it has a lone surrogate)',
      'urls.1 must not contain the NUL character (\\u0000)',
    ]);
    expect(findProblems({ 'na\u0000me': 1 })).toEqual([
      'the field name "na\\u0000me" must not contain the NUL character (\\u0000)',
    ]);
  });

  it('takes emoji, RTL marks and other well-formed text as it is', () => {
    expect(findProblems({ name: '🙂\u202eabc\u200f', n: 1e308, z: null })).toEqual([]);
  });

  it('refuses a body nested deeper than the limit without overflowing its own stack', () => {
    expect(findProblems(nested(MAX_BODY_DEPTH))).toEqual([]);
    expect(findProblems(nested(MAX_BODY_DEPTH + 1))[0]).toMatch(/^the request body is nested deeper than 32 levels/);
    expect(findProblems(nested(200_000))).toHaveLength(1);
  });

  it('names a route or query parameter by its name, and throws a 400', () => {
    const pipe = new InputPipe();
    expect(() => pipe.transform('a\u0000', { type: 'param', data: 'id' })).toThrow(BadRequestException);
    const thrown = (() => {
      try {
        pipe.transform({ page: '\u0000' }, { type: 'query' });
      } catch (e) {
        return e as BadRequestException;
      }
    })();
    expect(thrown?.getResponse()).toMatchObject({ message: ['page must not contain the NUL character (\\u0000)'] });
    expect(pipe.transform({ page: '2' }, { type: 'query' })).toEqual({ page: '2' });
  });
});
