import { urlPatternProblem } from '@datafactory/contracts';
import { describe, expect, it } from 'vitest';
import { compilePattern, UrlPatternError } from './urls.js';

/**
 * The API refuses a bad include/exclude pattern with contracts'
 * urlPatternProblem, without loading the crawler; the crawler compiles with
 * compilePattern. The two must agree on what is refused, and say it alike.
 */
describe('urlPatternProblem', () => {
  it.each([
    '*/docs/*',
    'https://a.example/*',
    '/^https:\\/\\/a\\.example\\//',
    '/(/',
    '/(a)\\1/',
    '/^(?!.*keep)/',
    '/(?<=a)b/',
    '/',
    '//',
  ])('agrees with compilePattern on %s', (pattern) => {
    let thrown: string | undefined;
    try {
      compilePattern(pattern);
    } catch (e) {
      if (!(e instanceof UrlPatternError)) throw e;
      thrown = e.message;
    }
    expect(urlPatternProblem(pattern)).toBe(thrown);
  });
});
