/**
 * Text helpers shared by the stages that read text (refiner, generator, inspector): a
 * lib of its own so that neither stage loads the other, and the API (which
 * builds the inspector's quality reports) loads no HTML parser.
 */
export { detectLanguage, loadLanguageDetector } from './language.js';
export {
  bandHashes,
  charNgramVector,
  contentHash,
  cosine,
  jaccard,
  jaccardForCosine,
  lshParams,
  MinHasher,
  normalizeText,
  similarity,
  type MinHasherOptions,
  type ShingleOptions,
  type SparseVector,
} from './minhash.js';
export { encodingForModel, getTokenizer, type Encoding, type Tokenizer } from './tokenizer.js';
