import { describe, expect, it } from 'vitest';
import { type JobConfigPolicy, parseJobConfig, usesLlm } from './index.js';

const policy: JobConfigPolicy = {
  llm: { model: 'llama3', baseUrl: 'http://127.0.0.1:11434/v1/' },
  crawl: { allowPrivateNetworks: false },
};

const problems = (generation: unknown): string[] => {
  const r = parseJobConfig({ generation }, policy);
  return r.ok ? [] : r.problems;
};

describe('generation.template_params: personas, difficulty, rag distractors', () => {
  it('takes valid controls as they are, and parameters it does not know', () => {
    const r = parseJobConfig(
      {
        generation: {
          template: 'rag',
          template_params: {
            personas: ['a nurse'],
            difficulty: 'easy',
            distractors: 0,
            no_oracle_share: 1,
            tone: 'dry',
          },
        },
      },
      policy,
    );
    expect(r.ok && usesLlm(r.config.generation) && r.config.generation.template_params).toEqual({
      personas: ['a nurse'],
      difficulty: 'easy',
      distractors: 0,
      no_oracle_share: 1,
      tone: 'dry',
    });
  });

  it('names each bad control', () => {
    expect(problems({ template_params: { personas: [] } })).toEqual([
      'config.generation.template_params.personas must be a list of 1 to 20 persona descriptions (non-empty strings up to 300 characters) (got an array)',
    ]);
    expect(problems({ template_params: { personas: 'a nurse' } })[0]).toMatch(
      /^config\.generation\.template_params\.personas must be a list/,
    );
    expect(problems({ template_params: { personas: ['ok', ' '] } })[0]).toMatch(/personas must be a list/);
    expect(problems({ template_params: { difficulty: 'brutal' } })).toEqual([
      'config.generation.template_params.difficulty must be one of easy, medium, hard (got "brutal")',
    ]);
    expect(problems({ template: 'rag', template_params: { distractors: 2.5 } })).toEqual([
      'config.generation.template_params.distractors must be an integer from 0 to 10 (got 2.5)',
    ]);
    expect(problems({ template: 'rag', template_params: { no_oracle_share: 1.5 } })).toEqual([
      'config.generation.template_params.no_oracle_share must be a number from 0 to 1 (got 1.5)',
    ]);
  });

  it('refuses examples_per_chunk beside personas: the personas say how many', () => {
    expect(problems({ examples_per_chunk: 2, template_params: { personas: ['a', 'b'] } })).toEqual([
      'config.generation.examples_per_chunk cannot be given with template_params.personas (one example per persona)',
    ]);
  });
});
