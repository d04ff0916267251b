export {
  extract,
  countWords,
  UnusablePageError,
  type Extracted,
  type ExtractionSignals,
  type ExtractOptions,
} from './extract/extract.js';
export {
  extractPage,
  extractPdfPage,
  extractTextPage,
  extractDocxPage,
  extractSource,
  type SourceInput,
  extractionQuality,
  LOW_QUALITY_EXTRACTION,
  type ExtractionQuality,
  type PageOptions,
  type PageOutcome,
} from './extract/page.js';
export {
  ExtractionPool,
  ExtractionFailedError,
  type ExtractionPoolOptions,
  type ExtractionPoolStats,
  type PageTimer,
} from './extract/pool.js';
export { toMarkdown } from './extract/markdown.js';
export {
  extractPdf,
  pagesOf,
  NO_TEXT_LAYER,
  PdfError,
  DEFAULT_MAX_PDF_PAGES,
  type PdfExtracted,
  type PdfPageSpan,
} from './extract/pdf.js';
export { detectLanguage } from '@datafactory/text';
export { getTokenizer, encodingForModel, type Encoding, type Tokenizer } from '@datafactory/text';
export { chunk, CHUNK_STRATEGIES, type ChunkOptions, type ChunkStrategy, type TextChunk } from './chunk.js';
export {
  Deduplicator,
  SharedChunkIndex,
  MinHasher,
  contentHash,
  normalizeForDedup,
  lshParams,
  similarity,
  type DedupOptions,
  type DedupVerdict,
  type PreparedText,
} from './dedup.js';
export {
  DEFAULT_PROCESSING_CONFIG,
  ProcessingConfigError,
  resolveProcessingConfig,
  type ProcessingConfig,
} from './config.js';
export {
  Refiner,
  refineDocument,
  decodeHtml,
  type RefineInput,
  type RefinedChunk,
  type RefinedDocument,
  type RefinerOptions,
} from './refine.js';
export {
  redactPii,
  addPiiCounts,
  luhnValid,
  ibanValid,
  ALL_PII,
  PII_TYPES,
  PII_PLACEHOLDER,
  type PiiCounts,
  type PiiSwitches,
  type PiiType,
  type Redacted,
} from './pii.js';
export { storeRefined, type ChunkDedup, type StoreResult } from './storage.js';
