import { createRequire } from 'node:module';
import type { Tiktoken } from 'tiktoken';

// tiktoken instantiates its WASM when it is loaded: loaded on the first tokenizer asked for, so that a process
// that never counts (the API listing templates) never pays for it.
const require = createRequire(import.meta.url);
let tiktoken: typeof import('tiktoken') | undefined;

/** The tiktoken encodings the refiner counts with. */
export type Encoding = 'o200k_base' | 'cl100k_base';

export interface Tokenizer {
  readonly encoding: Encoding;
  /** Exact token count of `text` (special-token strings are counted as plain text). */
  count(text: string): number;
  /**
   * The count of `text` as the sum of the counts of its pieces, split as tiktoken splits a text
   * before merging bytes into tokens; each distinct piece (mostly words) is tokenized once per
   * tokenizer. The same as `count` where this split is tiktoken's; cheaper when the same words come
   * back (the chunker counts every section and piece, then the chunks made of them).
   */
  countByPieces?(text: string): number;
}

/**
 * o200k_base's pre-tokenizer (tiktoken's `pat_str`), in JavaScript: the case-insensitive contraction
 * suffixes are spelled out.
 */
const O200K_PIECES = new RegExp(
  [
    "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?:'(?:[sStTmMdD]|[rR][eE]|[vV][eE]|[lL][lL]))?",
    "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?:'(?:[sStTmMdD]|[rR][eE]|[vV][eE]|[lL][lL]))?",
    '\\p{N}{1,3}',
    ' ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*',
    '\\s*[\\r\\n]+',
    '\\s+(?!\\S)',
    '\\s+',
  ].join('|'),
  'gu',
);
/** Pieces whose counts a tokenizer keeps; past this the cache starts again. */
const MAX_CACHED_PIECES = 200_000;

/**
 * The encoding of a model: o200k_base for the gpt-4o family and later
 * (gpt-4.1, gpt-5, o1, o3, o4), cl100k_base for gpt-4, gpt-3.5 and the
 * embedding models. Models tiktoken does not know (Ollama, vLLM) are counted
 * with o200k_base: the count is then an estimate for that model.
 */
export function encodingForModel(model: string | undefined): Encoding {
  const m = (model ?? '').toLowerCase().replace(/^.*\//, '');
  if (/^(?:gpt-4(?:-|$)(?!o)|gpt-4-|gpt-3\.5|gpt-35|text-embedding-|text-davinci)/.test(m) && !m.startsWith('gpt-4o')) {
    return 'cl100k_base';
  }
  return 'o200k_base';
}

const cache = new Map<Encoding, Tokenizer>();

/** A tokenizer for a model name or an encoding name; one WASM encoder per encoding, kept for the process. */
export function getTokenizer(modelOrEncoding?: string): Tokenizer {
  const encoding: Encoding =
    modelOrEncoding === 'o200k_base' || modelOrEncoding === 'cl100k_base'
      ? modelOrEncoding
      : encodingForModel(modelOrEncoding);
  let tokenizer = cache.get(encoding);
  if (!tokenizer) {
    // Loading an encoding costs ~250 ms; encoders are kept for the life of the process.
    tiktoken ??= require('tiktoken') as typeof import('tiktoken');
    const enc: Tiktoken = tiktoken.get_encoding(encoding);
    // encode_ordinary skips the special-token scan that costs encode() a fixed ~130 µs per call.
    const count = (text: string) => (text ? enc.encode_ordinary(text).length : 0);
    tokenizer = { encoding, count };
    if (encoding === 'o200k_base') {
      const pieces = new Map<string, number>();
      tokenizer.countByPieces = (text) => {
        let n = 0;
        for (const [piece] of text.matchAll(O200K_PIECES)) {
          let c = pieces.get(piece);
          if (c === undefined) {
            if (pieces.size >= MAX_CACHED_PIECES) pieces.clear();
            pieces.set(piece, (c = count(piece)));
          }
          n += c;
        }
        return n;
      };
    }
    cache.set(encoding, tokenizer);
  }
  return tokenizer;
}
