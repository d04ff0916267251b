import { EXPORT_FORMATS, ExportFormat } from '@datafactory/contracts';

/**
 * The dataset formats the exporter writes. `jsonl`, `json`, `csv` and
 * `parquet` are flat records (one row per example, with its source, model and
 * scores); `openai`, `alpaca` and `sharegpt` are the shapes trainers read
 * directly (see shapes.ts for how each template maps onto them).
 */
export const DatasetFormat = ExportFormat;
export type DatasetFormat = ExportFormat;
export const DATASET_FORMATS: readonly DatasetFormat[] = EXPORT_FORMATS;

export interface FormatInfo {
  /** File extension, without the dot. */
  extension: string;
  /** Content type of a download. */
  contentType: string;
  /** `flat`: a record per example with its metadata; `trainer`: a training shape only. */
  kind: 'flat' | 'trainer';
}

export const FORMAT_INFO: Readonly<Record<DatasetFormat, FormatInfo>> = {
  jsonl: { extension: 'jsonl', contentType: 'application/jsonl; charset=utf-8', kind: 'flat' },
  json: { extension: 'json', contentType: 'application/json; charset=utf-8', kind: 'flat' },
  csv: { extension: 'csv', contentType: 'text/csv; charset=utf-8; header=present', kind: 'flat' },
  parquet: { extension: 'parquet', contentType: 'application/vnd.apache.parquet', kind: 'flat' },
  openai: { extension: 'jsonl', contentType: 'application/jsonl; charset=utf-8', kind: 'trainer' },
  alpaca: { extension: 'jsonl', contentType: 'application/jsonl; charset=utf-8', kind: 'trainer' },
  sharegpt: { extension: 'jsonl', contentType: 'application/jsonl; charset=utf-8', kind: 'trainer' },
  trl: { extension: 'jsonl', contentType: 'application/jsonl; charset=utf-8', kind: 'trainer' },
};

export const SplitName = { Train: 'train', Validation: 'validation', Test: 'test' } as const;
export type SplitName = (typeof SplitName)[keyof typeof SplitName];
export const SPLIT_NAMES: readonly SplitName[] = Object.values(SplitName);
