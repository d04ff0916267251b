import { describe, expect, it } from 'vitest';
import { readReply } from './generator.js';
import { TemplateRegistry } from './templates/registry.js';

const qa = TemplateRegistry.builtins().get('qa');

describe('readReply', () => {
  it('accepts the envelope, a bare array, a single example, fences and <think> blocks', () => {
    const one = { question: 'What is Rust?', answer: 'A language.' };
    for (const reply of [
      JSON.stringify({ examples: [one] }),
      JSON.stringify([one]),
      JSON.stringify(one),
      `Sure:\n\`\`\`json\n${JSON.stringify({ examples: [one] })}\n\`\`\``,
      `<think>they want {json}</think>${JSON.stringify({ pairs: [one] })}`,
    ]) {
      expect(readReply(reply, qa)).toEqual({ items: [{ fields: one, error: null }], problem: null });
    }
  });

  it('explains what is wrong', () => {
    expect(readReply('', qa).problem).toBe('the reply was empty');
    expect(readReply('I refuse.', qa).problem).toBe('the reply contains no JSON object');
    expect(readReply('{"examples": []}', qa).problem).toBe('"examples" is empty');
    const partial = readReply('{"examples": [{"question": "Why?", "answer": "Because."}, {"question": "How?"}]}', qa);
    expect(partial.items.map((i) => i.error === null)).toEqual([true, false]);
    expect(partial.problem).toMatch(/examples\[1\]: example must have required property 'answer'/);
  });
});
