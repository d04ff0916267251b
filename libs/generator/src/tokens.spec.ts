import { describe, expect, it } from 'vitest';
import { countChatTokens, countTokens, encodingFor } from './tokens.js';

describe('tokens', () => {
  it('picks o200k_base for the gpt-4o family and later, cl100k_base otherwise', () => {
    expect(encodingFor('gpt-4o-mini')).toBe('o200k_base');
    expect(encodingFor('gpt-4.1-nano')).toBe('o200k_base');
    expect(encodingFor('o4-mini')).toBe('o200k_base');
    expect(encodingFor('openai/gpt-5')).toBe('o200k_base');
    expect(encodingFor('gpt-3.5-turbo')).toBe('cl100k_base');
    expect(encodingFor('gpt-4')).toBe('cl100k_base');
    expect(encodingFor('llama3.1:8b')).toBe('cl100k_base');
  });

  it('counts tokens and chat overhead', () => {
    expect(countTokens('', 'gpt-4o')).toBe(0);
    expect(countTokens('hello world', 'gpt-4o')).toBe(2);
    const chat = countChatTokens([{ role: 'user', content: 'hello world' }], 'gpt-4o');
    expect(chat).toBe(3 + 3 + countTokens('user', 'gpt-4o') + 2);
  });
});
