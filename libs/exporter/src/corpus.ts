import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { rm, stat, writeFile } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import path from 'node:path';
import type { EntityManager } from '@mikro-orm/core';
import type { JobFunnel, PiiType } from '@datafactory/contracts';
import { type ChunkExportRow, ExportReadRepository, FunnelRepository, MIN_UUID } from '@datafactory/persistence';
import { stringify } from 'yaml';
import { type ExportedFile, funnelSection, piiSection, SourceTerms, sizeCategory, termsSection } from './card.js';
import { type Provenance, provenanceOf } from './provenance.js';
import type { ExportConfig } from './config.js';
import { FORMAT_INFO } from './formats.js';
import { domainOf, type FlatColumn } from './shapes.js';
import { reserveVersionDir } from './versioning.js';
import { recordExport } from './export-row.js';
import { redactSecrets, withoutCredentials } from './text-safety.js';
import { openRecordWriter, type RecordWriter } from './writers.js';

/** The formats a text corpus can be written in: flat records (the trainer shapes need an input and an output). */
export const CORPUS_FORMATS: readonly ExportConfig['format'][] = ['jsonl', 'json', 'csv', 'parquet'];

/** One record of a text corpus: an original chunk (duplicates left out) with its source. */
export const CORPUS_COLUMNS: readonly FlatColumn[] = [
  { name: 'id', type: 'STRING' },
  { name: 'text', type: 'STRING' },
  { name: 'source_url', type: 'STRING' },
  { name: 'title', type: 'STRING' },
  { name: 'domain', type: 'STRING' },
  { name: 'language', type: 'STRING' },
  { name: 'token_count', type: 'INT32' },
  { name: 'chunk_index', type: 'INT32' },
  { name: 'content_hash', type: 'STRING' },
  { name: 'license', type: 'STRING' },
  { name: 'provenance', type: 'STRING' },
];

export class CorpusFormatError extends Error {
  constructor(format: string) {
    super(
      `format "${format}" needs LLM examples; a job with template "none" exports a text corpus as ` +
        `${CORPUS_FORMATS.join(', ')}`,
    );
    this.name = 'CorpusFormatError';
  }
}

export interface CorpusExportInput {
  jobId: string;
  projectId: string;
  projectName: string;
  config: ExportConfig;
  dataDir: string;
  pageSize: number;
  parquetRowGroupSize?: number;
  signal?: AbortSignal;
  now?: () => Date;
  onProgress?: (progress: { written: number; total: number }) => void;
  /** Values that must never appear in the card. */
  secrets?: readonly (string | undefined | null)[];
  productVersion: string;
  /** Chunk settings shown in the card. */
  chunkSize: number | null;
  /** The kinds of PII the job redacted (null: not known, a job from before `processing.redact_pii`). */
  piiRedactedKinds?: PiiType[] | null;
  /** `scraping.respect_ai_reservations` of the job (null: unknown). */
  respectAiReservations?: boolean | null;
}

export interface CorpusExport {
  exportId: string;
  version: string;
  recordCount: number;
  directory: string;
  relativeDirectory: string;
  files: (ExportedFile & { path: string })[];
  cardPath: string;
  sourcesPath: string;
}

/** A corpus record; `provenance` is an object in JSON Lines and JSON, JSON text in CSV and Parquet. */
function toCorpusRecord(r: ChunkExportRow, nested: boolean): Record<string, string | number | null | Provenance> {
  const url = r.final_url ?? r.url;
  const provenance = provenanceOf({
    url: r.url,
    finalUrl: r.final_url ?? null,
    httpStatus: r.http_status,
    fetchedAt: r.fetched_at,
    metadata: r.document_metadata,
    chunkMetadata: r.chunk_metadata,
  });
  return {
    id: r.id,
    text: r.content,
    source_url: url,
    title: r.title ?? null,
    domain: domainOf(url) || null,
    language: r.language ?? r.document_language ?? null,
    token_count: Number(r.token_count),
    chunk_index: Number(r.chunk_index),
    content_hash: r.content_hash,
    license: provenance.license,
    provenance: nested ? provenance : JSON.stringify(provenance),
  };
}

/**
 * The export of a job that ran with template "none": its cleaned,
 * deduplicated text, one record per original chunk, as a new version folder
 * (one data file, sources.txt, a card that describes a text corpus, and
 * manifest.json) and an `exports` row. Streams page by page like the
 * examples export; memory holds one page.
 */
export async function exportCorpus(em: EntityManager, input: CorpusExportInput): Promise<CorpusExport> {
  if (!CORPUS_FORMATS.includes(input.config.format)) throw new CorpusFormatError(input.config.format);
  const fork = em.fork({ clear: true });
  const reads = new ExportReadRepository(fork);
  const createdAt = input.now?.() ?? new Date();
  const { version, dir, relativeDir } = await reserveVersionDir(input.dataDir, input.projectId, input.jobId, createdAt);
  const file = path.join(dir, `data.${FORMAT_INFO[input.config.format].extension}`);
  let writer: RecordWriter | undefined;
  try {
    writer = openRecordWriter(input.config.format, file, {
      columns: CORPUS_COLUMNS,
      parquetRowGroupSize: input.parquetRowGroupSize,
    });
    let records = 0;
    let tokens = 0;
    const languages = new Map<string, number>();
    const domains = new Map<string, number>();
    let after = MIN_UUID;
    for (;;) {
      input.signal?.throwIfAborted();
      const page = await reads.originalChunkPage(input.jobId, after, input.pageSize);
      for (const row of page) {
        const record = toCorpusRecord(row, input.config.format === 'jsonl' || input.config.format === 'json');
        await writer.write(record);
        records++;
        tokens += record.token_count as number;
        if (record.language)
          languages.set(record.language as string, (languages.get(record.language as string) ?? 0) + 1);
        if (record.domain) domains.set(record.domain as string, (domains.get(record.domain as string) ?? 0) + 1);
      }
      input.onProgress?.({ written: records, total: records });
      if (page.length < input.pageSize) break;
      after = page.at(-1)!.id;
    }
    await writer.close();
    const { size } = await stat(file);
    const files = [{ split: 'train', file: path.basename(file), records, bytes: size, path: file }];

    const sourcesPath = path.join(dir, 'sources.txt');
    const sourceTerms = new SourceTerms();
    const sources = await writeChunkSources(reads, input, sourcesPath, sourceTerms);

    const funnel = await new FunnelRepository(fork).funnel(input.jobId, { export: { records, leftOut: 0 } });
    const piiRedacted = await reads.piiRedacted(input.jobId);
    const card = redactSecrets(
      renderCorpusCard({
        ...input,
        version,
        createdAt,
        records,
        tokens,
        languages,
        domains,
        sources,
        files,
        funnel,
        piiRedacted,
        sourceTerms,
      }),
      input.secrets ?? [],
    );
    const cardPath = path.join(dir, 'README.md');
    await writeFile(cardPath, card, { flag: 'wx' });
    const manifest = {
      version,
      format: input.config.format,
      kind: 'corpus',
      recordCount: records,
      files: files.map(({ path: _p, ...f }) => f),
      card: 'README.md',
      sources: 'sources.txt',
    };
    await writeFile(path.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`, { flag: 'wx' });
    input.signal?.throwIfAborted();
    const exportId = await recordExport(fork, {
      jobId: input.jobId,
      format: input.config.format,
      relativeDir,
      records,
      version,
      card,
    });
    return {
      exportId,
      version,
      recordCount: records,
      directory: dir,
      relativeDirectory: relativeDir,
      files,
      cardPath,
      sourcesPath,
    };
  } catch (e) {
    writer?.destroy();
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

async function writeChunkSources(
  reads: ExportReadRepository,
  input: CorpusExportInput,
  file: string,
  terms: SourceTerms,
): Promise<number> {
  const out = createWriteStream(file, { flags: 'wx', encoding: 'utf8' });
  let count = 0;
  let after = MIN_UUID;
  try {
    for (;;) {
      input.signal?.throwIfAborted();
      const page = await reads.chunkSourcePage(input.jobId, after, input.pageSize);
      const text = page.map((d) => `${withoutCredentials(d.final_url ?? d.url)}\n`).join('');
      for (const d of page) {
        terms.add(
          provenanceOf({
            url: d.url,
            finalUrl: d.final_url,
            httpStatus: d.http_status,
            fetchedAt: d.fetched_at,
            metadata: d.metadata,
          }),
        );
      }
      count += page.length;
      if (text && !out.write(text)) await once(out, 'drain');
      if (page.length < input.pageSize) break;
      after = page.at(-1)!.id;
    }
    out.end();
    await finished(out);
    return count;
  } catch (e) {
    out.destroy();
    throw e;
  }
}

const byCount = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));

/** The card of a text corpus: Hugging Face front matter, then what the text is and where it came from. */
export function renderCorpusCard(c: {
  projectName: string;
  jobId: string;
  version: string;
  createdAt: Date;
  config: ExportConfig;
  records: number;
  tokens: number;
  languages: Map<string, number>;
  domains: Map<string, number>;
  sources: number;
  files: ExportedFile[];
  chunkSize: number | null;
  productVersion: string;
  funnel?: JobFunnel | null;
  piiRedacted?: Partial<Record<PiiType, number>> | null;
  piiRedactedKinds?: PiiType[] | null;
  sourceTerms?: SourceTerms | null;
  respectAiReservations?: boolean | null;
}): string {
  const languages = byCount(c.languages).map(([l]) => l);
  const domains = byCount(c.domains);
  const front = {
    pretty_name: `${c.projectName} (${c.version})`,
    license: c.config.license,
    ...(languages.length ? { language: languages } : {}),
    task_categories: ['text-generation'],
    size_categories: [sizeCategory(c.records)],
    tags: ['web-text', 'corpus', 'ai-data-factory', `format-${c.config.format}`],
    source_domains: domains.map(([d]) => d),
    configs: [{ config_name: 'default', data_files: c.files.map((f) => ({ split: f.split, path: f.file })) }],
  };
  const lines = [
    '---',
    stringify(front, { lineWidth: 0 }).trimEnd(),
    '---',
    '',
    `# ${c.projectName}: text corpus version ${c.version}`,
    '',
    `A text corpus of ${c.records} chunk(s) (${c.tokens} tokens) from ${c.sources} web page(s), made by AI Data ` +
      `Factory ${c.productVersion} on ${c.createdAt.toISOString()} (job ${c.jobId}): each page was fetched, its main ` +
      `content extracted as Markdown, split into chunks${c.chunkSize ? ` of at most ${c.chunkSize} tokens` : ''} ` +
      'and deduplicated (exact and near-duplicate chunks are left out).',
    '',
    'No language model wrote or changed any of this text: it is what the pages say. It was not scored for quality ' +
      'or filtered for toxicity.',
    '',
    '## Fields',
    '',
    '| field | what |',
    '| --- | --- |',
    '| `id` | the chunk id |',
    '| `text` | the chunk: Markdown of the page’s main content |',
    '| `source_url` | the page it came from (after redirects) |',
    '| `title` | the page title |',
    '| `domain` | the host of `source_url` |',
    '| `language` | detected language (ISO 639-1), when sure |',
    '| `token_count` | tokens of `text` (tiktoken) |',
    '| `chunk_index` | position of the chunk in its page |',
    '| `content_hash` | hash of the normalised text (for deduplication against other data) |',
    '| `license` | the page’s `rel="license"` link (an SPDX id for Creative Commons), when stated |',
    '| `provenance` | fetch time, final URL, HTTP status, ETag/Last-Modified, extracted-text hash, chunk offsets and the page’s terms |',
    '',
    ...funnelSection(c.funnel),
    ...piiSection(c.piiRedacted, c.piiRedactedKinds),
    '## Sources',
    '',
    `${c.sources} page(s), listed in \`sources.txt\`; by domain: ` +
      (domains.length ? domains.map(([d, n]) => `${d} (${n})`).join(', ') : 'none') +
      '. The pages belong to their publishers: check their terms before you train on or publish this text.',
    '',
    ...termsSection(c.sourceTerms, c.respectAiReservations, c.funnel),
  ];
  return `${lines.join('\n')}`;
}
