import { describe, expect, it } from 'vitest';
import { resolveScrapingConfig, robotsToken, SCRAPING_DEFAULTS, ScrapingConfigError } from './scraping-config.js';

describe('resolveScrapingConfig', () => {
  it('applies the defaults of DESIGN.md and the issue', () => {
    const c = resolveScrapingConfig({});
    expect(c).toEqual(SCRAPING_DEFAULTS);
    expect(c).toMatchObject({ max_concurrent: 3, use_playwright: 'auto', respect_robots_txt: true, mode: 'pages' });
    expect(c.requests_per_second).toBe(2);
    expect(c.max_body_bytes).toBe(10 * 1024 * 1024);
    expect(c.max_redirects).toBe(5);
    expect(c.max_attempts).toBe(3);
    expect(resolveScrapingConfig(undefined)).toEqual(SCRAPING_DEFAULTS);
  });

  it('keeps given values and accepts an already resolved config', () => {
    const c = resolveScrapingConfig({ max_concurrent: 8, mode: 'site', include_patterns: ['*/blog/*'] });
    expect(c).toMatchObject({ max_concurrent: 8, mode: 'site', include_patterns: ['*/blog/*'] });
    expect(resolveScrapingConfig(c)).toEqual(c);
  });

  it.each([
    [{ max_concurrent: 0 }, 'scraping.max_concurrent must be an integer from 1 to 256 (got 0)'],
    [{ use_playwright: 'sometimes' }, 'scraping.use_playwright must be one of auto, always, never (got "sometimes")'],
    [{ respect_robots_txt: 'yes' }, 'scraping.respect_robots_txt must be true or false (got "yes")'],
    [{ requests_per_second: -1 }, 'scraping.requests_per_second must be a number above 0 and at most 1000 (got -1)'],
    [{ exclude_patterns: ['/(/'] }, 'scraping.exclude_patterns has an invalid regular expression'],
    [
      { include_patterns: ['*/docs/*', '/(a)\\1/'] },
      'scraping.include_patterns has an unsupported regular expression /(a)\\1/: ',
    ],
    [
      { exclude_patterns: ['/^(?!.*keep)/'] },
      'scraping.exclude_patterns has an unsupported regular expression /^(?!.*keep)/: ',
    ],
    [{ max_pages: 1.5 }, 'scraping.max_pages must be an integer'],
    [{ user_agent: 'a\nb' }, 'scraping.user_agent must be a non-empty single-line string'],
    [{ maxConcurrent: 3 }, 'scraping.maxConcurrent is not a scraping option'],
  ])('rejects %j naming the field', (input, message) => {
    expect(() => resolveScrapingConfig(input)).toThrow(ScrapingConfigError);
    expect(() => resolveScrapingConfig(input)).toThrow(message);
  });

  it('derives the robots.txt token from the User-Agent', () => {
    expect(robotsToken(SCRAPING_DEFAULTS.user_agent)).toBe('DataFactoryBot');
    expect(robotsToken('MyBot (contact@example.com)')).toBe('MyBot');
  });
});
