import { describe, expect, it } from 'vitest';
import { examplesAsked, generationControls, paramsHash, retrievalContext } from './controls.js';

const chunk = { id: 'c1', text: 'The oracle.' };
const distractors = ['d1', 'd2', 'd3'].map((id) => ({ chunkId: id, documentId: `doc-${id}`, text: `Text ${id}.` }));

describe('generation controls', () => {
  it('asks one example per persona, else the job’s count, else the template’s', () => {
    expect(examplesAsked({ personas: ['a', 'b', 'c'] }, undefined, 3)).toBe(3);
    expect(examplesAsked({}, 5, 3)).toBe(5);
    expect(examplesAsked({}, undefined, 2)).toBe(2);
    expect(generationControls({})).toEqual({ personas: null, difficulty: null, distractors: 3, noOracleShare: 0.2 });
  });

  it('hashes the count and every parameter, whatever their order', () => {
    expect(paramsHash(3, { a: 1, b: [2] })).toBe(paramsHash(3, { b: [2], a: 1 }));
    expect(paramsHash(3, { a: 1 })).not.toBe(paramsHash(2, { a: 1 }));
    expect(paramsHash(3, { personas: ['x'] })).not.toBe(paramsHash(3, { personas: ['y'] }));
  });

  it('builds the same rag context for the same chunk and index, the oracle left out for about the share asked', () => {
    expect(retrievalContext(chunk, distractors, 0, 0.2)).toEqual(retrievalContext(chunk, distractors, 0, 0.2));
    const always = retrievalContext(chunk, distractors, 0, 0);
    expect(always.documents).toHaveLength(4);
    expect(always.documents[always.oracleIndex!]).toEqual({ chunkId: 'c1', text: 'The oracle.' });
    const never = retrievalContext(chunk, distractors, 0, 1);
    expect(never).toEqual({ documents: expect.any(Array), oracleIndex: null });
    expect(never.documents.map((d) => d.chunkId).sort()).toEqual(['d1', 'd2', 'd3']);
    let without = 0;
    const positions = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const c = retrievalContext({ id: `chunk-${i}`, text: 'x' }, distractors, 0, 0.3);
      if (c.oracleIndex === null) without++;
      else positions.add(c.oracleIndex);
    }
    expect(without).toBeGreaterThan(240);
    expect(without).toBeLessThan(360);
    // The oracle is not always in the same place.
    expect(positions).toEqual(new Set([0, 1, 2, 3]));
  });
});
