import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { stringify } from 'csv-stringify/sync';
import { ByteWriter, ParquetWriter, schemaFromColumnData } from 'hyparquet-writer';
import type { DatasetFormat } from './formats.js';
import type { FlatColumn } from './shapes.js';

/**
 * Writes records to one file as they come. `write` resolves once the file
 * stream can take more (backpressure), so memory holds at most a stream
 * buffer (and, for Parquet, one row group) whatever the number of records.
 */
export interface RecordWriter {
  readonly path: string;
  write(record: Record<string, unknown>): Promise<void>;
  /** Ends the file and waits until it is on disk. */
  close(): Promise<void>;
  /** Stops writing without finishing the file (the caller removes it). */
  destroy(): void;
}

export interface RecordWriterOptions {
  /** Columns of flat formats, in order (CSV header, Parquet schema). */
  columns: readonly FlatColumn[];
  /** Rows per Parquet row group. */
  parquetRowGroupSize?: number;
}

/** Opens a new file (`wx`: an existing file is never overwritten) for the format. */
export function openRecordWriter(format: DatasetFormat, file: string, options: RecordWriterOptions): RecordWriter {
  const stream = createWriteStream(file, { flags: 'wx', encoding: 'utf8', highWaterMark: 1 << 20 });
  // An open error (EEXIST...) surfaces on the first write or close; keep it from being unhandled meanwhile.
  let failure: Error | undefined;
  stream.on('error', (e) => (failure ??= e));
  const put = async (chunk: string | Uint8Array) => {
    if (failure) throw failure;
    if (!stream.write(chunk)) await drained(stream);
  };
  switch (format) {
    case 'json':
      return jsonArrayWriter(file, stream, put);
    case 'csv':
      return csvWriter(file, stream, put, options.columns);
    case 'parquet':
      return parquetWriter(file, stream, put, options.columns, options.parquetRowGroupSize ?? 10_000);
    default:
      return {
        path: file,
        write: (record) => put(`${JSON.stringify(record)}\n`),
        close: () => end(stream),
        destroy: () => stream.destroy(),
      };
  }
}

async function drained(stream: WriteStream): Promise<void> {
  await once(stream, 'drain');
}

async function end(stream: WriteStream): Promise<void> {
  stream.end();
  await finished(stream);
}

type Put = (chunk: string | Uint8Array) => Promise<void>;

/** A JSON array, one record per line, written as it comes. */
function jsonArrayWriter(file: string, stream: WriteStream, put: Put): RecordWriter {
  let first = true;
  return {
    path: file,
    async write(record) {
      await put(`${first ? '[\n' : ',\n'}${JSON.stringify(record)}`);
      first = false;
    },
    async close() {
      await put(first ? '[]\n' : '\n]\n');
      await end(stream);
    },
    destroy: () => stream.destroy(),
  };
}

/** RFC 4180: CRLF line ends, fields quoted when they hold a comma, quote or line break; UTF-8 without BOM. */
const CSV_OPTIONS = { record_delimiter: '\r\n', quoted_match: /^\s|\s$/, cast: { boolean: (v: boolean) => String(v) } };

function csvWriter(file: string, stream: WriteStream, put: Put, columns: readonly FlatColumn[]): RecordWriter {
  const names = columns.map((c) => c.name);
  let headerDone = false;
  const header = async () => {
    if (headerDone) return;
    headerDone = true;
    await put(stringify([names], CSV_OPTIONS));
  };
  return {
    path: file,
    async write(record) {
      await header();
      await put(stringify([names.map((n) => record[n] ?? null)], CSV_OPTIONS));
    },
    async close() {
      await header();
      await end(stream);
    },
    destroy: () => stream.destroy(),
  };
}

/**
 * hyparquet-writer's byte buffer, emptied into the file stream after every
 * row group (ParquetWriter calls flush() and awaits it), with backpressure.
 */
class StreamByteWriter extends ByteWriter {
  constructor(private readonly put: Put) {
    super(1 << 20);
  }

  flush(): Promise<void> {
    const bytes = Buffer.from(new Uint8Array(this.buffer, 0, this.index)); // a copy: the buffer is reused
    this.index = 0;
    return this.put(bytes);
  }

  override finish(): Promise<void> {
    return this.flush();
  }
}

function parquetWriter(
  file: string,
  stream: WriteStream,
  put: Put,
  columns: readonly FlatColumn[],
  rowGroupSize: number,
): RecordWriter {
  const schema = schemaFromColumnData({
    columnData: columns.map((c) => ({ name: c.name, data: [], type: c.type, nullable: true })),
  });
  const bytes = new StreamByteWriter(put);
  const writer = new ParquetWriter({ writer: bytes, schema, createdBy: 'ai-data-factory (hyparquet-writer)' });
  let buffered: unknown[][] = columns.map(() => []);
  let rows = 0;
  const flushGroup = async () => {
    if (rows === 0) return;
    const columnData = columns.map((c, i) => ({ name: c.name, data: buffered[i]! }));
    buffered = columns.map(() => []);
    const size = rows;
    rows = 0;
    await writer.write({ columnData, rowGroupSize: size });
  };
  return {
    path: file,
    async write(record) {
      columns.forEach((c, i) => buffered[i]!.push(record[c.name] ?? null));
      if (++rows >= rowGroupSize) await flushGroup();
    },
    async close() {
      await flushGroup();
      await writer.finish();
      await end(stream);
    },
    destroy: () => stream.destroy(),
  };
}
