import { describe, expect, it } from 'vitest';
import { DEFAULT_PROCESSING_CONFIG, ProcessingConfigError, resolveProcessingConfig } from './config.js';

describe('resolveProcessingConfig', () => {
  it('fills the defaults', () => {
    expect(resolveProcessingConfig({})).toEqual(DEFAULT_PROCESSING_CONFIG);
    expect(resolveProcessingConfig(undefined).chunk_size).toBe(512);
    expect(resolveProcessingConfig({ chunk_size: 1024, chunk_strategy: 'heading' })).toMatchObject({
      chunk_size: 1024,
      chunk_strategy: 'heading',
      dedup_threshold: 0.8,
    });
  });

  it.each([
    [{ chunk_size: 0 }, 'chunk_size', /integer from 32/],
    [{ chunk_size: '512' }, 'chunk_size', /integer/],
    [{ chunk_strategy: 'sentences' }, 'chunk_strategy', /one of recursive, fixed, heading/],
    [{ chunk_overlap: 300 }, 'chunk_overlap', /less than half of chunk_size/],
    [{ dedup_threshold: 0 }, 'dedup_threshold', /greater than 0/],
    [{ dedup_threshold: 1.2 }, 'dedup_threshold', /at most 1/],
    [{ dedup_scope: 'all' }, 'dedup_scope', /job, project/],
    [{ chunksize: 5 }, 'chunksize', /not a processing option/],
  ])('rejects %j naming the field', (input, field, message) => {
    try {
      resolveProcessingConfig(input);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ProcessingConfigError);
      expect((e as ProcessingConfigError).field).toBe(field);
      expect((e as Error).message).toMatch(new RegExp(`^processing\\.${field} `));
      expect((e as Error).message).toMatch(message);
    }
  });
});
