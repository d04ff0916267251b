import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { describeGenerationConfig, LlmConnection, resolveGenerationConfig } from './config.js';
import { GenerationConfigError } from './errors.js';

const app = {
  llm: {
    apiKey: 'sk-secret-123456',
    baseUrl: undefined,
    model: 'gpt-4o-mini',
    allowedBaseUrls: ['http://127.0.0.1:11434/v1'],
  },
};

describe('resolveGenerationConfig', () => {
  it('fills in defaults from the app config', async () => {
    const c = resolveGenerationConfig({}, app);
    expect(c).toMatchObject({
      template: 'qa',
      model: 'gpt-4o-mini',
      examplesPerChunk: undefined,
      maxConcurrentLlm: 5,
      maxCostUsd: null,
      temperature: 0.7,
    });
    await expect(c.connection.resolveApiKey()).resolves.toBe('sk-secret-123456');
  });

  it('takes per-job overrides', () => {
    const c = resolveGenerationConfig(
      {
        template: 'summarization',
        model: 'llama3.1',
        examples_per_chunk: 2,
        max_concurrent_llm: 8,
        max_cost_usd: 1.5,
        base_url: 'http://127.0.0.1:11434/v1',
      },
      app,
    );
    expect(c).toMatchObject({
      template: 'summarization',
      model: 'llama3.1',
      examplesPerChunk: 2,
      maxConcurrentLlm: 8,
      maxCostUsd: 1.5,
    });
    expect(c.connection.baseUrl).toBe('http://127.0.0.1:11434/v1');
  });

  it.each([
    [{ examples_per_chunk: 0 }, 'generation.examples_per_chunk', /integer from 1 to 20 \(got 0\)/],
    [{ max_concurrent_llm: 'five' }, 'generation.max_concurrent_llm', /integer/],
    [{ max_cost_usd: -1 }, 'generation.max_cost_usd', /positive number/],
    [{ temperature: 3 }, 'generation.temperature', /from 0 to 2/],
    [{ template: 'Bad Name' }, 'generation.template', /template name/],
    [{ base_url: 'ftp://x' }, 'generation.base_url', /http/],
    [{ colour: 'red' }, 'generation.colour', /not a known setting/],
  ])('rejects %j naming the field', (input, field, message) => {
    try {
      resolveGenerationConfig(input as never, app);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(GenerationConfigError);
      expect((e as GenerationConfigError).field).toBe(field);
      expect((e as Error).message).toMatch(message);
    }
  });

  it('says how to set a key or a base URL when there is neither', () => {
    expect(() => resolveGenerationConfig({}, { llm: { model: 'gpt-4o-mini' } })).toThrow(
      /OPENAI_API_KEY.*OPENAI_BASE_URL/,
    );
    expect(
      resolveGenerationConfig({}, { llm: { model: 'm', baseUrl: 'http://127.0.0.1:11434/v1' } }).connection.sendsApiKey,
    ).toBe(false);
    // A key saved in Settings is enough for api.openai.com.
    expect(resolveGenerationConfig({}, { llm: { model: 'm' } }, { present: true }).connection.baseUrl).toBeUndefined();
  });

  it("lets a job pick only the operator's endpoints, and sends the key only to the default one", async () => {
    const operator = {
      llm: {
        apiKey: 'sk-server-key-0001',
        baseUrl: 'http://127.0.0.1:4000/v1/',
        model: 'm',
        allowedBaseUrls: ['http://127.0.0.1:11434/v1'],
      },
    };
    const byDefault = resolveGenerationConfig({}, operator);
    expect(byDefault.connection.baseUrl).toBe('http://127.0.0.1:4000/v1');
    await expect(byDefault.connection.resolveApiKey()).resolves.toBe('sk-server-key-0001');
    const same = resolveGenerationConfig({ base_url: 'http://127.0.0.1:4000/v1' }, operator);
    await expect(same.connection.resolveApiKey()).resolves.toBe('sk-server-key-0001');
    const other = resolveGenerationConfig({ base_url: 'http://127.0.0.1:11434/v1/' }, operator);
    expect(other.connection.baseUrl).toBe('http://127.0.0.1:11434/v1');
    expect(other.connection.sendsApiKey).toBe(false);
    await expect(other.connection.resolveApiKey()).resolves.toBeUndefined();
    for (const attack of ['https://evil.example/v1', 'http://169.254.169.254/latest', 'http://127.0.0.1:4000/v2']) {
      expect(() => resolveGenerationConfig({ base_url: attack }, operator)).toThrow(
        /generation\.base_url .* is not an LLM endpoint this server may call .*LLM_ALLOWED_BASE_URLS/,
      );
    }
  });

  it('asks the stored key for each request, and prefers it to OPENAI_API_KEY', async () => {
    let stored: string | undefined = 'sk-from-settings-1';
    const c = resolveGenerationConfig({}, app, { present: true, read: () => Promise.resolve(stored) });
    await expect(c.connection.resolveApiKey()).resolves.toBe('sk-from-settings-1');
    stored = 'sk-from-settings-2';
    await expect(c.connection.resolveApiKey()).resolves.toBe('sk-from-settings-2');
    stored = undefined;
    await expect(c.connection.resolveApiKey()).resolves.toBe('sk-secret-123456');
    expect(c.connection.redact('bad key sk-from-settings-1')).toBe('bad key [redacted]');
  });

  it('never shows the API key: not in errors, JSON, inspect or the stored description', () => {
    const c = resolveGenerationConfig({}, app);
    expect(JSON.stringify(c)).not.toContain('sk-secret-123456');
    expect(inspect(c, { depth: 5 })).not.toContain('sk-secret-123456');
    expect(JSON.stringify(describeGenerationConfig(c))).not.toContain('sk-');
    expect(() => resolveGenerationConfig({ api_key: 'sk-per-job-999999' }, app)).toThrow(/cannot be given per job/);
    try {
      resolveGenerationConfig({ api_key: 'sk bad key 12345' }, app);
    } catch (e) {
      expect((e as Error).message).not.toContain('sk bad key');
    }
    expect(new LlmConnection('sk-abcdef', undefined).redact('Incorrect API key sk-abcdef')).toBe(
      'Incorrect API key [redacted]',
    );
  });
});
