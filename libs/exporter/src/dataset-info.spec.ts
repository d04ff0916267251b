import { describe, expect, it } from 'vitest';
import { datasetInfo, datasetName } from './dataset-info.js';

const one = [{ split: 'train', file: 'data.jsonl' }];
const three = ['train', 'validation', 'test'].map((split) => ({ split, file: `${split}.jsonl` }));

describe('dataset_info.json for LLaMA-Factory', () => {
  it('has one entry per split file, named for the command line', () => {
    expect(datasetName('My Docs!', '20261125T120000123Z')).toBe('my_docs_20261125t120000123z');
    expect(Object.keys(datasetInfo({ format: 'sharegpt' }, 'qa', 'd', one)!)).toEqual(['d']);
    const info = datasetInfo({ format: 'alpaca' }, 'qa', 'd', three)!;
    expect(Object.keys(info)).toEqual(['d_train', 'd_validation', 'd_test']);
    expect(info.d_test).toEqual({
      file_name: 'test.jsonl',
      formatting: 'alpaca',
      columns: { prompt: 'instruction', query: 'input', response: 'output' },
    });
  });

  it('maps each template and format to the columns its records have', () => {
    expect(datasetInfo({ format: 'alpaca' }, 'conversation', 'd', one)!.d!.columns).toEqual({
      prompt: 'instruction',
      query: 'input',
      response: 'output',
      system: 'system',
      history: 'history',
    });
    expect(datasetInfo({ format: 'sharegpt' }, 'preference', 'd', one)!.d).toMatchObject({
      ranking: true,
      columns: { messages: 'conversations', chosen: 'chosen', rejected: 'rejected' },
    });
    expect(datasetInfo({ format: 'openai' }, 'qa', 'd', one)!.d).toMatchObject({
      formatting: 'sharegpt',
      columns: { messages: 'messages' },
      tags: { role_tag: 'role', user_tag: 'user', assistant_tag: 'assistant' },
    });
  });

  it('writes none where LLaMA-Factory cannot read the file', () => {
    expect(datasetInfo({ format: 'openai' }, 'preference', 'd', one)).toBeNull();
    expect(datasetInfo({ format: 'trl' }, 'preference', 'd', one)).toBeNull();
    expect(datasetInfo({ format: 'jsonl' }, 'qa', 'd', one)).toBeNull();
  });
});
