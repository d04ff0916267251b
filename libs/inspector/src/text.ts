/** Text helpers shared by the checks: normalisation and character n-gram vectors. */

/** Lower case, Unicode NFKC, punctuation dropped, whitespace collapsed. */
export function normalizeText(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** A sparse vector: n-gram → weight, with its Euclidean norm. */
export interface SparseVector {
  weights: Map<string, number>;
  norm: number;
}

/**
 * Character n-grams of the normalised text (spaces included, so word
 * boundaries count), weighted by 1 + log(count): a vector that needs no
 * vocabulary, no model and no network, and is robust to small edits.
 */
export function charNgramVector(text: string, n = 3): SparseVector {
  const t = ` ${normalizeText(text)} `;
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= t.length; i++) {
    const gram = t.slice(i, i + n);
    counts.set(gram, (counts.get(gram) ?? 0) + 1);
  }
  let sum = 0;
  for (const [gram, count] of counts) {
    const w = 1 + Math.log(count);
    counts.set(gram, w);
    sum += w * w;
  }
  return { weights: counts, norm: Math.sqrt(sum) };
}

export function cosine(a: SparseVector, b: SparseVector): number {
  if (a.norm === 0 || b.norm === 0) return 0;
  const [small, large] = a.weights.size <= b.weights.size ? [a, b] : [b, a];
  let dot = 0;
  for (const [gram, w] of small.weights) {
    const other = large.weights.get(gram);
    if (other !== undefined) dot += w * other;
  }
  return Math.min(1, dot / (a.norm * b.norm));
}

export function wordCount(text: string): number {
  const t = normalizeText(text);
  return t === '' ? 0 : t.split(' ').length;
}

export const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;
