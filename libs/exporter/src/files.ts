import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { MANIFEST_FILE, type ExportManifest } from './exporter.js';
import { DATASET_FORMATS, type DatasetFormat, FORMAT_INFO, type SplitName } from './formats.js';

/** The files of an export are gone (deleted by hand, or DATA_DIR changed). */
export class ExportFileMissingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportFileMissingError';
  }
}

/** The export has no file for the split asked for; `available` lists those it has. */
export class ExportSplitNotFoundError extends Error {
  constructor(
    readonly split: string,
    readonly available: string[],
  ) {
    super(`this export has no ${split} split (it has: ${available.join(', ')})`);
    this.name = 'ExportSplitNotFoundError';
  }
}

/**
 * The version folder of an exports row: DATA_DIR joined with the stored
 * relative path, refused unless it stays inside DATA_DIR/exports (the path
 * comes from our own row, never from a request; this guards a tampered row).
 */
export function exportDirectory(dataDir: string, storedPath: string): string {
  const root = path.resolve(dataDir, 'exports');
  const dir = path.resolve(dataDir, storedPath);
  if (!dir.startsWith(root + path.sep)) throw new ExportFileMissingError('the export path is outside DATA_DIR/exports');
  return dir;
}

export async function readExportManifest(dataDir: string, storedPath: string): Promise<ExportManifest> {
  const file = path.join(exportDirectory(dataDir, storedPath), MANIFEST_FILE);
  try {
    return JSON.parse(await readFile(file, 'utf8')) as ExportManifest;
  } catch {
    throw new ExportFileMissingError('the files of this export are missing');
  }
}

export interface ExportDataFile {
  path: string;
  split: string;
  /** Name for Content-Disposition. */
  fileName: string;
  contentType: string;
  bytes: number;
}

/**
 * The data file of a split of an export, found through its manifest. Without
 * a split: the only file, or `train` when there are several.
 */
export async function exportDataFile(
  dataDir: string,
  row: { filePath: string; format: string },
  split?: SplitName,
): Promise<ExportDataFile> {
  const manifest = await readExportManifest(dataDir, row.filePath);
  const wanted = split ?? (manifest.files.length === 1 ? manifest.files[0]!.split : 'train');
  const entry = manifest.files.find((f) => f.split === wanted);
  if (!entry)
    throw new ExportSplitNotFoundError(
      wanted,
      manifest.files.map((f) => f.split),
    );
  if (path.basename(entry.file) !== entry.file) throw new ExportFileMissingError('the export manifest is invalid');
  const file = path.join(exportDirectory(dataDir, row.filePath), entry.file);
  let bytes: number;
  try {
    bytes = (await stat(file)).size;
  } catch {
    throw new ExportFileMissingError('the files of this export are missing');
  }
  const format = (DATASET_FORMATS.includes(row.format as DatasetFormat) ? row.format : 'jsonl') as DatasetFormat;
  return { path: file, split: entry.split, fileName: entry.file, contentType: FORMAT_INFO[format].contentType, bytes };
}
