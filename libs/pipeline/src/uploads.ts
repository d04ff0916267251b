import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { EntityManager } from '@mikro-orm/core';
import type { AppConfig } from '@datafactory/config';
import { DOCX_CONTENT_TYPE, ItemStatus, rawDocumentKind } from '@datafactory/contracts';
import { Job, RawDocument } from '@datafactory/persistence';
import { JobInputError } from './job-input.js';

/** A file a job brings (an upload to the API, a path given to `datafactory run`). */
export interface UploadedFile {
  /** The file's name as the user gave it (a relative path for a folder's files). */
  name: string;
  bytes: Uint8Array;
}

/** An accepted file: its name, what it holds and its bytes. */
export interface AcceptedUpload extends UploadedFile {
  contentType: string;
  /** Its `url` in the job: `upload:<name>` (made unique within the job). */
  url: string;
}

/** The extensions a job accepts, and the content type each is stored under. */
export const UPLOAD_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html',
  '.htm': 'text/html',
  '.md': 'text/markdown',
  '.markdown': 'text/markdown',
  '.txt': 'text/plain',
  '.pdf': 'application/pdf',
  '.docx': DOCX_CONTENT_TYPE,
};

/** The URL scheme of uploaded files in a job's `urls`, its documents and the examples' lineage. */
export const UPLOAD_SCHEME = 'upload:';

export const isUploadUrl = (url: string): boolean => url.startsWith(UPLOAD_SCHEME);

const mb = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;

/** The name shown and stored: no folders above the file's own (no `..`), no control characters, at most 200 characters. */
function cleanName(raw: string): string {
  const parts = raw
    .replace(/\\/g, '/')
    .split('/')
    .filter((p) => p && p !== '.' && p !== '..');
  return parts
    .join('/')
    .split('')
    .filter((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f)
    .join('')
    .slice(-200);
}

/**
 * Checks the files against the operator's limits (count, size of each, total) and the accepted types
 * (by extension, and for PDFs and Word files by their signature); throws a JobInputError naming each
 * bad file. Returns them with their content type and their `upload:` URL.
 */
export function validateUploads(files: readonly UploadedFile[], limits: AppConfig['uploads']): AcceptedUpload[] {
  if (files.length > limits.maxFiles) {
    throw new JobInputError([`files: ${files.length} files; at most ${limits.maxFiles} per job (UPLOAD_MAX_FILES)`]);
  }
  const problems: string[] = [];
  const out: AcceptedUpload[] = [];
  const used = new Set<string>();
  let total = 0;
  files.forEach((f, i) => {
    const name = cleanName(f.name ?? '');
    const label = `files[${i}] "${name || f.name}"`;
    if (!name) return void problems.push(`files[${i}] has no file name`);
    const ext = path.extname(name).toLowerCase();
    const contentType = UPLOAD_TYPES[ext];
    if (!contentType) {
      return void problems.push(
        `${label}: type ${ext || '(no extension)'} is not accepted; send ${Object.keys(UPLOAD_TYPES).join(', ')}`,
      );
    }
    if (f.bytes.length === 0) return void problems.push(`${label} is empty`);
    if (f.bytes.length > limits.maxFileBytes) {
      return void problems.push(
        `${label} is ${mb(f.bytes.length)}; at most ${mb(limits.maxFileBytes)} per file (UPLOAD_MAX_FILE_MB)`,
      );
    }
    const kind = rawDocumentKind(contentType);
    const head = Buffer.from(f.bytes.subarray(0, 1024));
    if (kind === 'pdf' && !head.includes('%PDF-')) return void problems.push(`${label} is not a PDF file`);
    if (kind === 'docx' && !(head[0] === 0x50 && head[1] === 0x4b)) {
      return void problems.push(`${label} is not a Word (.docx) file`);
    }
    total += f.bytes.length;
    let url = `${UPLOAD_SCHEME}${name}`;
    for (let n = 2; used.has(url); n++) url = `${UPLOAD_SCHEME}${name}~${n}`;
    used.add(url);
    out.push({ name, bytes: f.bytes, contentType, url });
  });
  if (total > limits.maxTotalBytes) {
    problems.push(`files: ${mb(total)} in all; at most ${mb(limits.maxTotalBytes)} per job (UPLOAD_MAX_TOTAL_MB)`);
  }
  if (problems.length) throw new JobInputError(problems);
  return out;
}

/** Where an uploaded file is stored, relative to DATA_DIR: beside the job's crawled pages. */
export function uploadPath(jobId: string, index: number, upload: AcceptedUpload): string {
  const ext = rawDocumentKind(upload.contentType);
  return path.join('raw', jobId, `upload-${String(index).padStart(4, '0')}.${ext}`);
}

/**
 * Writes the job's files under DATA_DIR (tmp file, then rename) and creates their `raw_documents` rows in
 * `em` (flushed by the caller, in the job's transaction): fetched (`scrape_status` ok) with no fetch method,
 * `metadata.source` "upload", so that the refiner takes them next. The crawl's first item hands them on.
 */
export async function storeUploads(
  em: EntityManager,
  dataDir: string,
  job: Job,
  uploads: readonly AcceptedUpload[],
): Promise<RawDocument[]> {
  const rows: RawDocument[] = [];
  for (const [i, upload] of uploads.entries()) {
    const rel = uploadPath(job.id, i + 1, upload);
    const file = path.resolve(dataDir, rel);
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, upload.bytes);
    await rename(tmp, file);
    rows.push(
      em.create(RawDocument, {
        job: em.getReference(Job, job.id),
        url: upload.url,
        htmlPath: rel,
        title: null,
        scrapeStatus: ItemStatus.Ok,
        contentType: upload.contentType,
        bytes: upload.bytes.length,
        fetchedAt: new Date(),
        metadata: { source: 'upload', fileName: upload.name },
      }),
    );
  }
  return rows;
}

/** A command-line argument that names a URL (a scheme and `//`) rather than a local path. */
export const looksLikeUrl = (arg: string): boolean => /^[a-z][a-z0-9+.-]*:\/\//i.test(arg);

/**
 * The files of `datafactory run FILE...`: each path a file, or a folder whose files of the accepted types
 * are taken (recursively, in name order; names relative to the folder's parent, other types left out and
 * counted). Sizes and the count are checked before a byte is read (JobInputError naming the file).
 */
export async function readLocalUploads(
  paths: readonly string[],
  limits: AppConfig['uploads'],
): Promise<{ files: UploadedFile[]; leftOut: string[] }> {
  const found: { file: string; name: string; size: number }[] = [];
  const leftOut: string[] = [];
  const walk = async (dir: string, base: string): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) await walk(full, base);
      else if (e.isFile()) {
        const name = path.relative(base, full);
        if (!UPLOAD_TYPES[path.extname(e.name).toLowerCase()]) leftOut.push(name);
        else found.push({ file: full, name, size: (await stat(full)).size });
      }
      if (found.length > limits.maxFiles) return;
    }
  };
  for (const p of paths) {
    const info = await stat(p).catch(() => null);
    if (!info) throw new JobInputError([`${p}: no such file or folder (and not a URL)`]);
    if (info.isDirectory()) await walk(p, path.dirname(path.resolve(p)));
    else found.push({ file: p, name: path.basename(p), size: info.size });
  }
  if (found.length > limits.maxFiles) {
    throw new JobInputError([
      `files: more than ${limits.maxFiles} files; at most ${limits.maxFiles} per job (UPLOAD_MAX_FILES)`,
    ]);
  }
  const big = found.find((f) => f.size > limits.maxFileBytes);
  if (big) {
    throw new JobInputError([
      `"${big.name}" is ${mb(big.size)}; at most ${mb(limits.maxFileBytes)} per file (UPLOAD_MAX_FILE_MB)`,
    ]);
  }
  const files: UploadedFile[] = [];
  for (const f of found) files.push({ name: f.name, bytes: new Uint8Array(await readFile(f.file)) });
  return { files, leftOut };
}
