import { describe, expect, it } from 'vitest';
import { JobInputError, resolveJobConfig, validateUrls } from './job-input.js';

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof JobInputError) return e.problems;
    throw e;
  }
  return [];
}

describe('validateUrls', () => {
  it('keeps good URLs (fragment dropped) and lists every bad one with its position', () => {
    expect(validateUrls(['https://a.example/x#frag', 'http://b.example'])).toEqual([
      'https://a.example/x',
      'http://b.example/',
    ]);
    expect(problems(() => validateUrls(['https://ok.example', 'ftp://x', 'not a url', '', 'https://u:p@h/']))).toEqual([
      'urls[1] "ftp://x" must use http or https',
      'urls[2] "not a url" is not a URL',
      'urls[3] must be a non-empty string',
      'urls[4] must not carry credentials',
    ]);
    expect(problems(() => validateUrls([]))).toEqual(['urls must be a non-empty list of URLs']);
  });
});

describe('resolveJobConfig', () => {
  it('applies DESIGN.md defaults to a missing config, with the configured model', () => {
    expect(resolveJobConfig(undefined, 'llama3')).toEqual({
      scraping: { max_concurrent: 3, use_playwright: 'auto', respect_robots_txt: true },
      processing: { chunk_size: 512, chunk_strategy: 'recursive' },
      generation: { template: 'qa', model: 'llama3', examples_per_chunk: 3, max_concurrent_llm: 5 },
      quality: { min_score: 0.7, checks: ['toxicity', 'readability', 'format'] },
      export: { format: 'jsonl' },
    });
  });

  it('names every unknown or mistyped field', () => {
    expect(
      problems(() =>
        resolveJobConfig({ scraping: { max_concurrent: 'many', speed: 1 }, shipping: {}, quality: [] }, 'm'),
      ),
    ).toEqual([
      'config.shipping is not a known section (scraping, processing, generation, quality, export)',
      'config.scraping.max_concurrent must be a number',
      'config.scraping.speed is not a known option',
      'config.quality must be an object',
    ]);
  });
});
