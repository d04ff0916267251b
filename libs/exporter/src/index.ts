export * from './formats.js';
export * from './config.js';
export {
  type AlpacaRecord,
  chatTurns,
  domainOf,
  type ExampleRow,
  FLAT_COLUMNS,
  type FlatColumn,
  flatColumns,
  type FlatRecord,
  isTrainable,
  type OpenAiRecord,
  type ShareGptRecord,
  toAlpaca,
  toFlatRecord,
  toOpenAi,
  toShareGpt,
  toTrl,
  ragPrompt,
  type OpenAiPreferenceRecord,
  type ShapeOptions,
} from './shapes.js';
export { DATASET_INFO_FILE, datasetInfo, datasetName } from './dataset-info.js';
export { assignSplit, domainPoint } from './splits.js';
export { SplitGrouper, type SplitHygieneReport } from './split-hygiene.js';
export { renderDatasetCard, sizeCategory, TASK_CATEGORIES, type DatasetCardInput, type ExportedFile } from './card.js';
export { ExportStats } from './stats.js';
export { reserveVersionDir, timestampVersion, exportsRelativeDir } from './versioning.js';
export { openRecordWriter, type RecordWriter } from './writers.js';
export { streamExamples, streamSourceUrls, exportedExamplesWhere, DEFAULT_PAGE_SIZE } from './source.js';
export * from './exporter.js';
export * from './files.js';
export { exportCorpus, CorpusFormatError, CORPUS_FORMATS, CORPUS_COLUMNS, renderCorpusCard } from './corpus.js';
export * from './publish.js';
