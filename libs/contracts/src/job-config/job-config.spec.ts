import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  type ExportConfig,
  type JobConfigPolicy,
  ExportFormat,
  type GenerationSectionConfig,
  jobConfigJsonSchema,
  type JobConfig,
  type LlmGenerationConfig,
  NO_TEMPLATE,
  parseJobConfig,
  type ProcessingConfig,
  type QualityConfig,
  type ScrapingConfig,
  usesLlm,
} from './index.js';

const policy: JobConfigPolicy = {
  llm: { model: 'llama3', baseUrl: 'http://127.0.0.1:11434/v1/', allowedBaseUrls: ['http://127.0.0.1:9999/v1'] },
  crawl: { allowPrivateNetworks: false },
};

const parse = (input: unknown, p = policy): JobConfig => {
  const result = parseJobConfig(input, p);
  if (!result.ok) throw new Error(result.problems.join('; '));
  return result.config;
};

describe('the job config schema', () => {
  it('fills every default once, the operator-dependent ones from the policy', () => {
    const c = parse({});
    expect(c.scraping).toMatchObject({ max_concurrent: 3, allow_private_networks: false, include_patterns: [] });
    expect(c.processing).toMatchObject({ chunk_size: 512, chunk_overlap: 0, dedup_scope: 'job' });
    expect(c.generation).toEqual({
      template: 'qa',
      model: 'llama3',
      examples_per_chunk: null,
      max_concurrent_llm: 5,
      max_cost_usd: null,
      temperature: 0.7,
      max_tokens: null,
      request_timeout_ms: 60_000,
      max_retries: 5,
      base_url: 'http://127.0.0.1:11434/v1',
      template_params: {},
    });
    expect(c.quality).toMatchObject({
      min_score: 0.7,
      toxicity: { model: 'Xenova/toxic-bert' },
      judge: { model: null },
    });
    expect(c.export).toEqual({
      format: 'jsonl',
      include_failed: false,
      include_unreviewed: true,
      split: 'none',
      seed: 42,
      license: 'unknown',
      reasoning: 'think',
    });
    expect(parse(undefined)).toEqual(c);
    expect(parse({ scraping: null, generation: null })).toEqual(c);
    // Defaults are fresh values: changing one config does not change the next.
    c.scraping.include_patterns.push('x');
    expect(parse({}).scraping.include_patterns).toEqual([]);
  });

  it('parses a stored config back to the same typed object (the stored form is a fixed point)', () => {
    const given = {
      scraping: { mode: 'site', include_patterns: ['*/docs/*'], user_agent: '  Bot/1  ' },
      processing: { chunk_size: 1024, chunk_overlap: 100 },
      generation: { template: 'summarization', base_url: 'http://127.0.0.1:9999/v1/', examples_per_chunk: 2 },
      quality: { checks: ['format', 'format', 'judge'], toxicity: { threshold: 0.8 } },
      export: { format: 'sharegpt', split: { train: 0.9, test: 0.1 } },
    };
    const stored = parse(given);
    const roundTripped: unknown = JSON.parse(JSON.stringify(stored));
    expect(parse(roundTripped)).toEqual(stored);
    expect(stored.quality.checks).toEqual(['format', 'judge']);
    expect(stored.export.split).toEqual({ train: 0.9, validation: 0, test: 0.1 });
    expect(stored.generation).toMatchObject({ base_url: 'http://127.0.0.1:9999/v1', examples_per_chunk: 2 });
    const none = parse({ generation: { template: NO_TEMPLATE } });
    expect(parse(JSON.parse(JSON.stringify(none)))).toEqual(none);
  });

  it('reads a row stored by an earlier version: nulls in generation are "the default"', () => {
    const old = {
      generation: {
        template: 'qa',
        model: 'gpt-4o-mini',
        examples_per_chunk: null,
        max_concurrent_llm: 5,
        max_cost_usd: null,
        temperature: 0.7,
        max_tokens: null,
        request_timeout_ms: 60000,
        max_retries: 5,
        base_url: null,
        template_params: {},
      },
    };
    expect(parse(old).generation).toMatchObject({
      model: 'gpt-4o-mini',
      examples_per_chunk: null,
      base_url: 'http://127.0.0.1:11434/v1',
    });
  });

  it('gives each stage the type of its own section', () => {
    const c = parse({});
    expectTypeOf(c.scraping).toEqualTypeOf<ScrapingConfig>();
    expectTypeOf(c.processing).toEqualTypeOf<ProcessingConfig>();
    expectTypeOf(c.generation).toEqualTypeOf<GenerationSectionConfig>();
    expectTypeOf(c.quality).toEqualTypeOf<QualityConfig>();
    expectTypeOf(c.export).toEqualTypeOf<ExportConfig>();
    expectTypeOf(c.export.format).toEqualTypeOf<ExportFormat>();
    if (usesLlm(c.generation)) expectTypeOf(c.generation).toEqualTypeOf<LlmGenerationConfig>();
    expect(usesLlm(c.generation)).toBe(true);
    expect(usesLlm(parse({ generation: { template: NO_TEMPLATE } }).generation)).toBe(false);
  });

  it('keeps the operator rules: private networks, endpoints, keys, template "none"', () => {
    const problems = (input: unknown, p = policy) => {
      const r = parseJobConfig(input, p);
      return r.ok ? [] : r.problems;
    };
    expect(problems({ scraping: { allow_private_networks: true } })[0]).toMatch(
      /^config\.scraping\.allow_private_networks cannot be true/,
    );
    const open = { ...policy, crawl: { allowPrivateNetworks: true } };
    expect(parse({}, open).scraping.allow_private_networks).toBe(true);
    expect(problems({ generation: { base_url: 'http://evil.example/v1' } })[0]).toMatch(
      /^config\.generation\.base_url "http:\/\/evil\.example\/v1" is not an LLM endpoint/,
    );
    expect(problems({ generation: { api_key: 'sk-x' } })).toEqual([
      'config.generation.api_key cannot be given per job: set OPENAI_API_KEY or save the key in Settings',
    ]);
    expect(problems({ generation: { template: 'none', model: 'x' } })).toEqual([
      'config.generation.model has no meaning with template "none"',
    ]);
    expect(problems({}, { llm: { model: 'm' }, crawl: { allowPrivateNetworks: false } })[0]).toMatch(
      /^config\.generation no LLM endpoint/,
    );
    expect(
      parse({}, { llm: { model: 'm' }, crawl: { allowPrivateNetworks: false }, storedKey: { present: true } })
        .generation,
    ).toMatchObject({
      base_url: null,
    });
  });

  it('redacts every kind of PII by default and names a bad redact_pii field', () => {
    const ok = parseJobConfig({ processing: { redact_pii: { phone: false } } }, policy);
    expect(ok.ok && ok.config.processing.redact_pii).toEqual({
      email: true,
      phone: false,
      ip: true,
      credit_card: true,
      iban: true,
      secret: true,
    });
    const bad = (redact_pii: unknown) => {
      const r = parseJobConfig({ processing: { redact_pii } }, policy);
      return r.ok ? [] : r.problems;
    };
    expect(bad({ emails: true })).toEqual([
      'config.processing.redact_pii.emails is not a kind of PII (known: email, phone, ip, credit_card, iban, secret)',
    ]);
    expect(bad({ iban: 1 })).toEqual(['config.processing.redact_pii.iban must be true or false (got 1)']);
  });

  it('names one problem per bad section, unknown sections first', () => {
    const r = parseJobConfig(
      {
        export: { format: 'xml', seed: -1 },
        scraping: { max_concurrent: 'many' },
        processing: { chunk_overlap: 300 },
        x: 1,
      },
      policy,
    );
    expect(r.ok ? [] : r.problems).toEqual([
      'config.x is not a known section (scraping, processing, generation, quality, export)',
      'config.scraping.max_concurrent must be an integer from 1 to 256 (got "many")',
      'config.processing.chunk_overlap must be less than half of chunk_size (512) (got 300)',
      'config.export.format must be one of jsonl, json, csv, parquet, openai, alpaca, sharegpt, trl (got "xml")',
    ]);
    expect(parseJobConfig([], policy)).toEqual({ ok: false, problems: ['config must be an object'] });
  });

  it('draws the OpenAPI schema of the request from the same schema', () => {
    const schema = jobConfigJsonSchema() as {
      properties: Record<string, { properties?: Record<string, { enum?: string[] }> }>;
    };
    expect(Object.keys(schema.properties)).toEqual(['scraping', 'processing', 'generation', 'quality', 'export']);
    expect(schema.properties.export.properties?.format.enum).toEqual(Object.values(ExportFormat));
    expect(JSON.stringify(schema)).not.toContain('LLM_MODEL');
  });
});
