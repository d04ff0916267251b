import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunk, type ChunkStrategy } from './chunk.js';
import { getTokenizer } from '@datafactory/text';

const tokenizer = getTokenizer('gpt-4o-mini');
const squash = (s: string) => s.replace(/\s+/g, '');

/** Markdown-ish documents: headings, paragraphs, list items, long words, CJK and emoji. */
const word = fc.oneof(
  fc.constantFrom('the', 'data', 'factory', 'refines', 'pages', 'into', 'chunks', 'Zürich', '東京', '🙂', 'naïve'),
  fc.stringMatching(/^[a-z]{1,12}$/),
  fc.stringMatching(/^[a-zA-Z0-9]{40,300}$/),
);
const sentence = fc.array(word, { minLength: 1, maxLength: 40 }).map((w) => `${w.join(' ')}.`);
const paragraph = fc.array(sentence, { minLength: 1, maxLength: 8 }).map((s) => s.join(' '));
const block = fc.oneof(
  paragraph,
  fc
    .tuple(fc.integer({ min: 1, max: 4 }), fc.array(word, { minLength: 1, maxLength: 6 }))
    .map(([level, w]) => `${'#'.repeat(level)} ${w.join(' ')}`),
  fc.array(sentence, { minLength: 1, maxLength: 5 }).map((items) => items.map((i) => `- ${i}`).join('\n')),
);
const doc = fc.array(block, { minLength: 0, maxLength: 25 }).map((b) => b.join('\n\n'));
const strategy = fc.constantFrom<ChunkStrategy>('recursive', 'fixed', 'heading');

describe('chunk', () => {
  it('property: no chunk over the limit, no text lost or duplicated, source order kept', () => {
    fc.assert(
      fc.property(doc, fc.integer({ min: 16, max: 400 }), strategy, (text, chunkSize, strat) => {
        const chunks = chunk(text, { chunkSize, strategy: strat, tokenizer });
        for (const c of chunks) {
          expect(c.tokenCount).toBeLessThanOrEqual(chunkSize);
          expect(tokenizer.count(c.content)).toBe(c.tokenCount);
          expect(c.content).toBe(text.slice(c.start, c.end));
        }
        expect(chunks.map((c) => squash(c.content)).join('')).toBe(squash(text));
        chunks.forEach((c, i) => {
          expect(c.index).toBe(i);
          if (i > 0) expect(c.start).toBeGreaterThanOrEqual(chunks[i - 1]!.end);
        });
      }),
      { numRuns: 150 },
    );
  });

  it('property: with overlap, chunks stay within the limit and their own text still covers the source once', () => {
    fc.assert(
      fc.property(
        doc,
        fc.integer({ min: 32, max: 400 }),
        fc.integer({ min: 1, max: 15 }),
        (text, chunkSize, overlap) => {
          const chunks = chunk(text, { chunkSize, overlap, tokenizer });
          for (const c of chunks) expect(c.tokenCount).toBeLessThanOrEqual(chunkSize);
          const own = chunks.map((c) => squash(c.content.slice(c.overlapChars)));
          expect(own.join('')).toBe(squash(text));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('property: counting by pieces gives the tokenizer\u2019s count', () => {
    fc.assert(
      fc.property(doc, (text) => {
        expect(tokenizer.countByPieces!(text)).toBe(tokenizer.count(text));
        expect(tokenizer.countByPieces!(`  ${text}\n\n`)).toBe(tokenizer.count(`  ${text}\n\n`));
      }),
      { numRuns: 150 },
    );
    for (const s of [
      "it's THEY'RE we'LL",
      '12345 67',
      'a\r\n\r\nb',
      '  \n  x',
      'e\u0301t\u00e9 \u6771\u4eac\ud83d\ude42!!\n/',
    ]) {
      expect(tokenizer.countByPieces!(s), s).toBe(tokenizer.count(s));
    }
  });

  it('checks the count of the chunk\u2019s own text: trimming its ends can add a token', () => {
    // A code block whose untrimmed range fits in 32 tokens and whose trimmed text did not.
    const text =
      '```\n<!doctype html>\n<title>Hello from Flask</title>\n{% if person %}\n  <h1>Hello {{ person }}!</h1>\n{% else %}\n  <h1>Hello, World!</h1>\n{% endif %}\n```';
    for (const c of chunk(text, { chunkSize: 32, tokenizer })) {
      expect(c.tokenCount).toBeLessThanOrEqual(32);
      expect(tokenizer.count(c.content)).toBe(c.tokenCount);
    }
  });

  it('keeps the heading path of each chunk', () => {
    const text =
      '# Guide\n\nIntro text.\n\n## Install\n\nRun the installer.\n\n### Linux\n\nUse apt.\n\n## Use\n\nStart it.';
    const chunks = chunk(text, { chunkSize: 8, strategy: 'heading', tokenizer });
    expect(chunks.map((c) => c.headingPath)).toEqual([
      ['Guide'],
      ['Guide', 'Install'],
      ['Guide', 'Install', 'Linux'],
      ['Guide', 'Use'],
    ]);
    expect(chunks[1]!.content).toBe('## Install\n\nRun the installer.');
  });

  it('recursive packs small sections together up to the limit', () => {
    const text = '# A\n\none two three.\n\n# B\n\nfour five six.';
    expect(chunk(text, { chunkSize: 512, tokenizer })).toHaveLength(1);
    expect(chunk(text, { chunkSize: 512, strategy: 'heading', tokenizer })).toHaveLength(2);
  });

  it('splits at paragraph, then sentence boundaries before words', () => {
    const para = 'This is one sentence of some length. '.repeat(10).trim();
    const chunks = chunk(`${para}\n\n${para}`, { chunkSize: 90, tokenizer });
    expect(chunks).toHaveLength(2);
    expect(chunks[0]!.content).toBe(para);
    const small = chunk(para, { chunkSize: 20, tokenizer });
    for (const c of small) expect(c.content).toMatch(/\.$/);
  });

  it('counts with the encoding of the model', () => {
    expect(getTokenizer('gpt-4o-mini').encoding).toBe('o200k_base');
    expect(getTokenizer('gpt-4').encoding).toBe('cl100k_base');
    expect(getTokenizer('gpt-3.5-turbo').encoding).toBe('cl100k_base');
    expect(getTokenizer('llama3.1:8b').encoding).toBe('o200k_base');
  });

  it('rejects an overlap as large as the chunk and an empty text gives no chunk', () => {
    expect(() => chunk('x', { chunkSize: 10, overlap: 10, tokenizer })).toThrow(/overlap/);
    expect(chunk('  \n ', { chunkSize: 10, tokenizer })).toEqual([]);
  });
});
