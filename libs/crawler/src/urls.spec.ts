import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { compilePattern, normalizeUrl, sameSite, tryNormalizeHttpUrl, UrlFilter, UrlPatternError } from './urls.js';

/**
 * Runs `UrlFilter.accepts` in a worker thread and resolves with its answer,
 * or with 'hung' when the worker has not answered within `limitMs`. The limit
 * only detects a hang (a backtracking engine takes hours on the input below);
 * a linear engine answers in milliseconds. The worker loads urls.ts with
 * Node's own type stripping, so that file keeps to erasable TypeScript and
 * imports no sibling module.
 */
function acceptsInWorker(include: string[], url: string, limitMs: number): Promise<boolean | 'hung'> {
  const moduleUrl = new URL('./urls.ts', import.meta.url).href;
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     import(workerData.moduleUrl).then(({ UrlFilter }) =>
       parentPort.postMessage(new UrlFilter(workerData.include, []).accepts(workerData.url)));`,
    { eval: true, workerData: { moduleUrl, include, url } },
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      resolve('hung');
      void worker.terminate();
    }, limitMs);
    worker.once('message', (answer: boolean) => {
      clearTimeout(timer);
      resolve(answer);
      void worker.terminate();
    });
    worker.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

describe('urls', () => {
  it('normalises for deduplication', () => {
    expect(normalizeUrl('HTTP://Example.COM:80/a#frag')).toBe('http://example.com/a');
    expect(normalizeUrl('https://example.com')).toBe('https://example.com/');
    expect(normalizeUrl('../b?x=1&a=2', 'https://example.com/a/c')).toBe('https://example.com/b?x=1&a=2');
    expect(normalizeUrl('http://user:pw@example.com./x')).toBe('http://example.com/x');
    expect(tryNormalizeHttpUrl('mailto:a@b.c')).toBeUndefined();
    expect(tryNormalizeHttpUrl('::nonsense')).toBeUndefined();
  });

  it('compares sites by host and port, ignoring www.', () => {
    expect(sameSite('https://www.example.com/a', 'https://example.com/b')).toBe(true);
    expect(sameSite('http://127.0.0.1:1/', 'http://127.0.0.1:2/')).toBe(false);
    expect(sameSite('https://blog.example.com/', 'https://example.com/')).toBe(false);
  });

  it('matches globs against the whole URL and /regex/ anywhere', () => {
    expect(compilePattern('*/blog/*').test('https://x.com/blog/post')).toBe(true);
    expect(compilePattern('*/blog/*').test('https://x.com/about')).toBe(false);
    expect(compilePattern('/\\.pdf$/').test('https://x.com/a.pdf')).toBe(true);
    const f = new UrlFilter(['*/docs/*'], ['*/docs/old/*']);
    expect(f.accepts('https://x.com/docs/new/a')).toBe(true);
    expect(f.accepts('https://x.com/docs/old/a')).toBe(false);
    expect(f.accepts('https://x.com/blog')).toBe(false);
    expect(new UrlFilter([], []).accepts('https://x.com/anything')).toBe(true);
  });

  it('runs every pattern on the linear-time engine', () => {
    expect(compilePattern('*/blog/*').engine).toBe('re2js');
    expect(compilePattern('/(a+)+$/').engine).toBe('re2js');
    // Glob metacharacters other than * are literal.
    expect(compilePattern('https://x.com/a.b?c=(1)').test('https://x.com/a.b?c=(1)')).toBe(true);
    expect(compilePattern('https://x.com/a.b').test('https://x.com/aXb')).toBe(false);
  });

  it('matches /(a+)+$/ against a long run of a without stalling (issue 13 item 6)', async () => {
    const url = `https://x.com/${'a'.repeat(64)}/`;
    expect(await acceptsInWorker(['/(a+)+$/'], url, 20_000)).toBe(false);
    expect(await acceptsInWorker(['/(a+)+\\/$/'], url, 20_000)).toBe(true);
  }, 60_000);

  it.each(['/(a)\\1/', '/(?=a)b/', '/(?<!a)b/'])('refuses %s, which has no linear-time implementation', (pattern) => {
    expect(() => compilePattern(pattern)).toThrow(UrlPatternError);
    expect(() => compilePattern(pattern)).toThrow(`unsupported regular expression ${pattern}: `);
  });

  it('tells an invalid regular expression from an unsupported one', () => {
    expect(() => compilePattern('/(/')).toThrow('invalid regular expression /(/: ');
  });
});
