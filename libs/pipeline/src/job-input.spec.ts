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

const closed = { allowPrivateNetworks: false, trustedHosts: [] };
const app = { llm: { baseUrl: 'http://127.0.0.1:11434/v1', apiKey: undefined, model: 'llama3' }, crawl: closed };

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
  it("applies each stage's defaults to a missing config, with the configured model", () => {
    const c = resolveJobConfig(undefined, app);
    expect(c.scraping).toMatchObject({ max_concurrent: 3, use_playwright: 'auto', respect_robots_txt: true });
    expect(c.processing).toMatchObject({ chunk_size: 512, chunk_strategy: 'recursive' });
    expect(c.generation).toMatchObject({ template: 'qa', model: 'llama3', max_concurrent_llm: 5 });
    expect(c.quality).toMatchObject({ min_score: 0.7 });
    expect(c.export).toMatchObject({ format: 'jsonl', include_failed: false });
    expect(JSON.stringify(c)).not.toMatch(/api_key/);
  });

  it('names every unknown or bad field, one per section', () => {
    const p = problems(() =>
      resolveJobConfig(
        { scraping: { max_concurrent: 'many' }, processing: { chunk_size: 0 }, shipping: {}, quality: [] },
        app,
      ),
    );
    expect(p[0]).toBe('config.shipping is not a known section (scraping, processing, generation, quality, export)');
    expect(p.some((x) => x.startsWith('config.scraping.max_concurrent'))).toBe(true);
    expect(p.some((x) => x.startsWith('config.processing.chunk_size'))).toBe(true);
    expect(p).toContain('config.quality must be an object');
  });

  it('needs an LLM endpoint unless the template is "none", and never takes a key per job', () => {
    const none = { llm: { model: 'gpt-4o-mini' }, crawl: closed };
    expect(problems(() => resolveJobConfig({}, none))[0]).toMatch(
      /^config\.generation no LLM endpoint.*OPENAI_API_KEY/,
    );
    expect(resolveJobConfig({ generation: { template: 'none' } }, none).generation).toEqual({
      template: 'none',
    });
    expect(problems(() => resolveJobConfig({ generation: { api_key: 'sk-x' } }, app))[0]).toMatch(
      /api_key cannot be given per job/,
    );
  });

  it('lets a job narrow what the crawler may reach, never widen it', () => {
    const scraping = (config: unknown, policy = app) => resolveJobConfig(config, policy).scraping;
    // The operator's setting is the default...
    expect(scraping({}).allow_private_networks).toBe(false);
    const open = { ...app, crawl: { allowPrivateNetworks: true, trustedHosts: [] } };
    expect(scraping({}, open).allow_private_networks).toBe(true);
    // ...a job may turn it off...
    expect(scraping({ scraping: { allow_private_networks: false } }, open).allow_private_networks).toBe(false);
    // ...and never on: a 400 that names the operator's setting.
    expect(problems(() => resolveJobConfig({ scraping: { allow_private_networks: true } }, app))).toEqual([
      expect.stringMatching(
        /^config\.scraping\.allow_private_networks cannot be true.*CRAWL_ALLOW_PRIVATE_NETWORKS=true/,
      ),
    ]);
  });

  it('lets a job pick only the LLM endpoints the operator allows', () => {
    const policy = { ...app, llm: { ...app.llm, allowedBaseUrls: ['http://127.0.0.1:9999/v1'] } };
    expect(resolveJobConfig({ generation: { base_url: 'http://127.0.0.1:9999/v1' } }, policy).generation).toMatchObject(
      {
        base_url: 'http://127.0.0.1:9999/v1',
      },
    );
    expect(
      problems(() => resolveJobConfig({ generation: { base_url: 'http://attacker.example/v1' } }, policy)),
    ).toEqual([
      expect.stringMatching(/^config\.generation\.base_url "http:\/\/attacker\.example\/v1" is not an LLM endpoint/),
    ]);
  });
});
