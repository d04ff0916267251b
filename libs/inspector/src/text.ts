/** Text helpers shared by the checks: normalisation and character n-gram vectors (from libs/text). */
import { normalizeText } from '@datafactory/text';

export { charNgramVector, cosine, normalizeText, type SparseVector } from '@datafactory/text';

export function wordCount(text: string): number {
  const t = normalizeText(text);
  return t === '' ? 0 : t.split(' ').length;
}

export const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;
