import { loadLanguageDetector } from '@datafactory/text';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_QUALITY_CONFIG } from '../config.js';
import type { InspectableExample } from '../types.js';
import { checkFormat, FormatRule } from './format.js';

const QA_SCHEMA = {
  type: 'object',
  properties: { question: { type: 'string', minLength: 3 }, answer: { type: 'string', minLength: 1 } },
  required: ['question', 'answer'],
  additionalProperties: false,
};

const good: InspectableExample = {
  id: 'e1',
  templateType: 'qa',
  inputText: 'At what temperature does water boil at sea level?',
  outputText: 'Water boils at 100 degrees Celsius at sea level.',
  fields: {
    question: 'At what temperature does water boil at sea level?',
    answer: 'Water boils at 100 degrees Celsius at sea level.',
  },
  chunkLanguage: 'en',
};

const check = (patch: Partial<InspectableExample>, config = DEFAULT_QUALITY_CONFIG.format) =>
  checkFormat({ ...good, ...patch }, config, QA_SCHEMA);

// The language model loads on first use: not inside a test's time limit.
beforeAll(() => loadLanguageDetector(), 60_000);

describe('the format check', () => {
  it('passes a well-formed question and answer', () => {
    const r = check({});
    expect(r).toMatchObject({ status: 'pass', score: 1, codes: [] });
  });

  it('fails the template schema with the field that is wrong', () => {
    const r = check({ fields: { question: 'Why?', answer: 42 } });
    expect(r.status).toBe('fail');
    expect(r.codes).toEqual([FormatRule.Schema]);
    expect(r.reason).toMatch(/schema: .*\/answer must be string/);
  });

  it('does not pretend to have checked the schema when no fields are stored', () => {
    const r = check({ fields: null });
    expect(r.status).toBe('pass');
    expect(r.data?.schema).toMatch(/not checked/);
  });

  it('fails empty or whitespace-only fields', () => {
    const r = check({ outputText: '   \n', fields: { question: good.inputText, answer: '  ' } });
    expect(r.codes).toContain(FormatRule.EmptyField);
    expect(r.reason).toMatch(/empty or whitespace-only: output, answer/);
  });

  it('fails lengths outside the bounds', () => {
    const config = { ...DEFAULT_QUALITY_CONFIG.format, min_output_chars: 20, max_input_chars: 30 };
    const short = check({ outputText: '100 °C.' }, config);
    expect(short.codes).toEqual(expect.arrayContaining([FormatRule.TooShort, FormatRule.TooLong]));
    expect(short.reason).toMatch(/output has 7 characters, fewer than 20/);
    expect(short.reason).toMatch(/input has 49 characters, more than 30/);
  });

  it('fails an answer that copies the question', () => {
    const r = check({ outputText: 'At what temperature does water boil at sea level' });
    expect(r.codes).toEqual([FormatRule.AnswerCopiesQuestion]);
    expect(r.reason).toMatch(/repeats the input \(similarity 1\)/);
  });

  it('fails a question that is not phrased as a question', () => {
    const text = 'Water and its boiling point at sea level';
    const r = check({ inputText: text, fields: { question: text, answer: good.outputText } });
    expect(r.codes).toEqual([FormatRule.NotAQuestion]);
    // Questions in other languages count by their question mark; English ones also by their first word.
    expect(check({ inputText: '¿A qué temperatura hierve el agua?', chunkLanguage: null, fields: null }).status).toBe(
      'pass',
    );
    expect(check({ inputText: 'Explain why water boils at 100 degrees', fields: null }).status).toBe('pass');
  });

  it('fails refusals and meta-comments', () => {
    for (const answer of [
      'As an AI language model, I cannot know the boiling point.',
      "I'm sorry, but I cannot answer that question.",
      'The provided text does not mention the boiling point.',
    ]) {
      const r = check({ outputText: answer, fields: { question: good.inputText, answer } });
      expect(r.codes, answer).toEqual([FormatRule.Refusal]);
    }
  });

  it('fails an example that is not in its source chunk language', () => {
    const r = check({ chunkLanguage: 'de' });
    expect(r.codes).toEqual([FormatRule.WrongLanguage]);
    expect(r.reason).toMatch(/is in "en" but its source chunk is in "de"/);
    expect(check({ chunkLanguage: 'de' }, { ...DEFAULT_QUALITY_CONFIG.format, check_language: false }).status).toBe(
      'pass',
    );
  });

  it('reports every failing rule at once and lowers the score per rule', () => {
    const r = check({ inputText: 'Water', outputText: 'As an AI I cannot say.', fields: null });
    expect(r.codes).toEqual([FormatRule.NotAQuestion, FormatRule.Refusal]);
    expect(r.score).toBe(0);
    expect(r.reason.split('; ')).toHaveLength(2);
  });
});
