import { encodingForModel, getTokenizer } from '@datafactory/text';
import { describe, expect, it } from 'vitest';
import { countChatTokens, countTokens } from './tokens.js';

describe('tokens', () => {
  it("counts in the model's encoding: o200k_base for the gpt-4o family, later models and unknown ones", () => {
    expect(encodingForModel('gpt-4o-mini')).toBe('o200k_base');
    expect(encodingForModel('gpt-4.1-nano')).toBe('o200k_base');
    expect(encodingForModel('o4-mini')).toBe('o200k_base');
    expect(encodingForModel('openai/gpt-5')).toBe('o200k_base');
    expect(encodingForModel('gpt-3.5-turbo')).toBe('cl100k_base');
    expect(encodingForModel('gpt-4')).toBe('cl100k_base');
    expect(encodingForModel('llama3.1:8b')).toBe('o200k_base');
  });

  it('counts tokens and chat overhead', () => {
    expect(countTokens('', 'gpt-4o')).toBe(0);
    expect(countTokens('hello world', 'gpt-4o')).toBe(2);
    const chat = countChatTokens([{ role: 'user', content: 'hello world' }], 'gpt-4o');
    expect(chat).toBe(3 + 3 + countTokens('user', 'gpt-4o') + 2);
  });

  it("gives tiktoken's own count for prompts, in both encodings", () => {
    const prompt = [
      'You write question-answer pairs from the text below. Reply with JSON: {"examples": [{"question": …}]}.',
      "## Ownership\n\nRust's ownership rules decide when memory is freed; it's 3.14159 × 2 = 6.28 — naïve café.",
      '```ts\nconst x: number[] = [1, 2, 3];\n```\n\n  Indented  line\twith\ttabs\r\n',
    ].join('\n\n');
    for (const model of ['gpt-4o-mini', 'gpt-4']) {
      expect(countTokens(prompt, model)).toBe(getTokenizer(encodingForModel(model)).count(prompt));
      // Again, from the pieces kept.
      expect(countTokens(prompt, model)).toBe(getTokenizer(encodingForModel(model)).count(prompt));
    }
  });
});
