import { get_encoding, type Tiktoken } from 'tiktoken';

/** The tiktoken encodings the refiner counts with. */
export type Encoding = 'o200k_base' | 'cl100k_base';

export interface Tokenizer {
  readonly encoding: Encoding;
  /** Exact token count of `text` (special-token strings are counted as plain text). */
  count(text: string): number;
}

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
    const enc: Tiktoken = get_encoding(encoding);
    // encode_ordinary skips the special-token scan that costs encode() a fixed ~130 µs per call.
    tokenizer = { encoding, count: (text) => (text ? enc.encode_ordinary(text).length : 0) };
    cache.set(encoding, tokenizer);
  }
  return tokenizer;
}
