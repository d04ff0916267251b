import { describe, expect, it } from 'vitest';
import { contentHash, Deduplicator, lshParams, MinHasher, similarity } from './dedup.js';

const base = Array.from({ length: 300 }, (_, i) => `word${i % 97} token${(i * 7) % 53} item${i}`).join(' ');

function edit(text: string, every: number): string {
  return text
    .split(' ')
    .map((w, i) => (i % every === 0 ? `changed${i}` : w))
    .join(' ');
}

describe('Deduplicator', () => {
  it('finds exact duplicates after normalisation (case, punctuation, spacing)', () => {
    const d = new Deduplicator();
    expect(d.add('a', 'Hello, World! This is a test.').duplicateOf).toBeNull();
    const v = d.add('b', 'hello world   this IS a test');
    expect(v).toMatchObject({ duplicateOf: 'a', kind: 'exact', similarity: 1 });
    expect(v.contentHash).toBe(contentHash('Hello, World! This is a test.'));
  });

  it('finds near duplicates above the threshold and keeps different texts', () => {
    const d = new Deduplicator({ threshold: 0.8 });
    d.add('orig', base);
    const near = d.add('near', edit(base, 60));
    expect(near.kind).toBe('near');
    expect(near.duplicateOf).toBe('orig');
    expect(near.similarity).toBeGreaterThanOrEqual(0.8);
    const other = Array.from({ length: 300 }, (_, i) => `other${i} text${i % 11}`).join(' ');
    expect(d.add('other', other).duplicateOf).toBeNull();
    expect(d.size).toBe(2);
  });

  it('a stricter threshold lets a moderately edited text through', () => {
    const d = new Deduplicator({ threshold: 0.95 });
    d.add('orig', base);
    expect(d.add('edited', edit(base, 8)).duplicateOf).toBeNull();
  });

  it('estimates Jaccard similarity of shingle sets', () => {
    const h = new MinHasher(256, 3, 7);
    const a = h.signature(base);
    expect(similarity(a, h.signature(base))).toBe(1);
    const s = similarity(a, h.signature(edit(base, 10)));
    // 10% of words replaced: about 0.57 on 3-word shingles.
    expect(s).toBeGreaterThan(0.4);
    expect(s).toBeLessThan(0.75);
  });

  it('picks LSH bands whose S-curve sits below the threshold', () => {
    const { bands, rows } = lshParams(0.8, 128);
    expect(bands * rows).toBeLessThanOrEqual(128);
    const pAt = (s: number) => 1 - (1 - s ** rows) ** bands;
    expect(pAt(0.8)).toBeGreaterThan(0.95);
    expect(pAt(0.3)).toBeLessThan(0.05);
  });

  it('rejects a threshold outside (0, 1]', () => {
    expect(() => new Deduplicator({ threshold: 0 })).toThrow(/threshold/);
    expect(() => new Deduplicator({ threshold: 1.5 })).toThrow(/threshold/);
  });
});
