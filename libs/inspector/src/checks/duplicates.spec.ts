import { describe, expect, it } from 'vitest';
import { ExampleHasher, NearDuplicateIndex } from './duplicates.js';

const DISTINCT = [
  'What is the capital of France? Paris is the capital and largest city of France.',
  'How does Rust guarantee memory safety? Through ownership, borrowing and lifetimes checked at compile time.',
  'Why is the sky blue? Sunlight scatters off air molecules and blue light scatters the most.',
  'When did the Berlin Wall fall? It fell on 9 November 1989 after weeks of protests.',
  'What does a mitochondrion do? It produces most of the chemical energy a cell needs.',
  'Which planet is the largest? Jupiter is the largest planet in the solar system.',
  'How do vaccines work? They train the immune system to recognise a pathogen without causing disease.',
  'What is photosynthesis? Plants turn light, water and carbon dioxide into sugar and oxygen.',
];

describe('NearDuplicateIndex', () => {
  it('keeps distinct examples', () => {
    const index = new NearDuplicateIndex({ threshold: 0.9 });
    for (const [i, text] of DISTINCT.entries()) expect(index.add(`d${i}`, text)).toBeNull();
    expect(index.size).toBe(DISTINCT.length);
  });

  it('finds planted near-duplicates and points them at the first one', () => {
    const index = new NearDuplicateIndex({ threshold: 0.9 });
    DISTINCT.forEach((text, i) => index.add(`d${i}`, text));
    // Case, punctuation and a changed word: still the same example.
    const planted = [
      ['p1', 'what is the capital of france?  Paris is the capital and the largest city of France!', 'd0'],
      [
        'p2',
        'How does Rust guarantee memory safety? Through ownership, borrowing, and lifetimes checked at compile-time.',
        'd1',
      ],
      ['p3', 'WHY IS THE SKY BLUE? Sunlight scatters off air molecules, and blue light scatters most.', 'd2'],
    ] as const;
    for (const [id, text, original] of planted) {
      const match = index.add(id, text);
      expect(match?.duplicateOf, id).toBe(original);
      expect(match!.similarity).toBeGreaterThanOrEqual(0.9);
    }
    // A duplicate of a duplicate points at the kept original, not at the duplicate.
    expect(
      index.add('p4', 'What is the capital of France? Paris is the capital and largest city of France')?.duplicateOf,
    ).toBe('d0');
    expect(index.size).toBe(DISTINCT.length);
  });

  it('does not call related but different examples duplicates', () => {
    const index = new NearDuplicateIndex({ threshold: 0.9 });
    index.add('a', 'What is the capital of France? Paris is the capital of France.');
    expect(index.add('b', 'What is the capital of Germany? Berlin is the capital of Germany.')).toBeNull();
    expect(index.add('c', 'What is the capital of Italy? Rome is the capital of Italy.')).toBeNull();
  });

  it('honours a lower threshold', () => {
    const loose = new NearDuplicateIndex({ threshold: 0.5 });
    loose.add('a', 'What is the capital of France? Paris is the capital of France.');
    expect(loose.add('b', 'What is the capital of Germany? Berlin is the capital of Germany.')?.duplicateOf).toBe('a');
  });

  it('finds every planted duplicate among many distinct examples', () => {
    const index = new NearDuplicateIndex({ threshold: 0.9 });
    let seed = 42;
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const syllables = 'ka lo mi re su ta ne po vi da ze fu gi ho ja'.split(' ');
    const word = () =>
      Array.from({ length: 2 + Math.floor(random() * 3) }, () => syllables[Math.floor(random() * 15)]).join('');
    const texts = Array.from({ length: 300 }, () => Array.from({ length: 16 }, word).join(' '));
    for (const [i, text] of texts.entries()) expect(index.add(`x${i}`, text)).toBeNull();
    for (let i = 0; i < 300; i += 10) {
      // One word changed.
      const edited = texts[i]!.replace(/^\S+/, 'changed');
      expect(index.add(`dup${i}`, edited)?.duplicateOf).toBe(`x${i}`);
    }
  });

  it('uses shorter bands for lower thresholds so that recall stays high', () => {
    const strict = new ExampleHasher({ threshold: 0.9 });
    const loose = new ExampleHasher({ threshold: 0.5 });
    expect(loose.rows).toBeLessThan(strict.rows);
    // Two texts at the Jaccard the threshold implies become candidates with probability ≥ 0.98.
    const j = (0.9 * 0.9) / 1.1;
    expect(1 - (1 - j ** strict.rows) ** strict.bands).toBeGreaterThanOrEqual(0.98);
  });
});
