import { openAsBlob } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { CARD_FILE, SOURCES_FILE } from './exporter.js';
import { DATASET_INFO_FILE } from './dataset-info.js';
import { exportDirectory, ExportFileMissingError, readExportManifest } from './files.js';
import { redactSecrets } from './text-safety.js';

/** The public Hub; HF_ENDPOINT (the operator's) replaces it. */
export const DEFAULT_HUB_URL = 'https://huggingface.co';

/** Why a publish failed; the API maps each to a status, the CLI prints the message. */
export type PublishErrorKind =
  /** No token: neither HF_TOKEN nor one saved in Settings. */
  | 'no_token'
  /** The token is not a Hugging Face token (they start with hf_). */
  | 'bad_token'
  /** The Hub refused the token (401) or its rights on the repository (403). */
  | 'refused'
  /** The repository exists and the request did not say to add a commit to it. */
  | 'repo_exists'
  /** The Hub failed (5xx) or could not be reached. */
  | 'hub_unavailable'
  /** Any other answer of the Hub (4xx). */
  | 'hub_error';

export class PublishError extends Error {
  constructor(
    readonly kind: PublishErrorKind,
    message: string,
    /** The Hub's HTTP status, when it answered. */
    readonly hubStatus?: number,
  ) {
    super(message);
    this.name = 'PublishError';
  }
}

export interface PublishRequest {
  /** "namespace/name" on the Hub. */
  repo: string;
  /** Create the repository private (default false); an existing repository keeps its visibility. */
  private?: boolean;
  /** Add this version as a new commit when the repository exists already (default false: a 409). */
  update?: boolean;
}

export interface PublishOptions {
  /** DATA_DIR, where the export's folder is. */
  dataDir: string;
  /** The Hugging Face write token (Settings, else HF_TOKEN); never logged or put in an error. */
  token: string | undefined;
  /** The Hub (HF_ENDPOINT); default https://huggingface.co. */
  hubUrl?: string;
  /** Tests: the fetch the client uses (default the global one). */
  fetch?: typeof fetch;
}

export interface PublishResult {
  repo: string;
  /** The dataset's page on the Hub. */
  url: string;
  /** Whether the repository was created by this publish (false: a commit added to an existing one). */
  created: boolean;
  /** The visibility it was created with; null for an existing repository (it keeps its own). */
  private: boolean | null;
  commit: { oid: string; url: string };
  /** The paths committed, in the repository. */
  files: string[];
}

const NAME_PART = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?$/;

/**
 * What is wrong with a Hub repository id, or null when it is fine: `namespace/name`,
 * each part 1–96 letters, digits, `-`, `_` or `.`, starting and ending with a
 * letter or digit, without `--` or `..`, the name not ending in `.git` (the
 * Hub's rules for repository names).
 */
export function hubRepoProblem(repo: unknown): string | null {
  if (typeof repo !== 'string') return 'repo must be a string "namespace/name"';
  const parts = repo.split('/');
  if (parts.length !== 2) return `repo must be "namespace/name" (got "${repo.slice(0, 200)}")`;
  for (const part of parts) {
    if (!NAME_PART.test(part) || part.includes('--') || part.includes('..')) {
      return (
        'repo must be "namespace/name", each part 1-96 letters, digits, "-", "_" or "." ' +
        `starting and ending with a letter or digit, without "--" or ".." (got "${repo.slice(0, 200)}")`
      );
    }
  }
  if (parts[1]!.endsWith('.git')) return `repo name must not end in ".git" (got "${repo.slice(0, 200)}")`;
  return null;
}

/** The files of an export that go to the Hub: the data files, the card as README.md, the sources and, when there is one, dataset_info.json. */
export async function publishedFiles(dataDir: string, storedPath: string): Promise<{ path: string; file: string }[]> {
  const manifest = await readExportManifest(dataDir, storedPath);
  const dir = exportDirectory(dataDir, storedPath);
  const names = [...manifest.files.map((f) => f.file), CARD_FILE, SOURCES_FILE];
  try {
    await access(path.join(dir, DATASET_INFO_FILE));
    names.push(DATASET_INFO_FILE);
  } catch {
    // only the LLaMA-Factory shapes have one
  }
  const files: { path: string; file: string }[] = [];
  for (const name of names) {
    if (path.basename(name) !== name) throw new ExportFileMissingError('the export manifest is invalid');
    const file = path.join(dir, name);
    try {
      await access(file);
    } catch {
      throw new ExportFileMissingError('the files of this export are missing');
    }
    files.push({ path: name, file });
  }
  return files;
}

/**
 * Publishes an export to the Hugging Face Hub through the official client
 * (@huggingface/hub): creates the dataset repository (private when asked),
 * then one commit with the data files, the dataset card as README.md (its
 * YAML `configs:` name the data file of each split, so `load_dataset(repo)`
 * finds them), sources.txt and dataset_info.json. Large and binary files go
 * through the Hub's LFS (or Xet) upload, as the client decides.
 *
 * The Hub is the operator's (HF_ENDPOINT); the token is never part of a
 * message this throws.
 */
export async function publishExport(
  row: { filePath: string; version: string },
  request: PublishRequest,
  options: PublishOptions,
): Promise<PublishResult> {
  const problem = hubRepoProblem(request.repo);
  if (problem) throw new TypeError(problem);
  const token = options.token?.trim();
  if (!token) {
    throw new PublishError(
      'no_token',
      'no Hugging Face token: set HF_TOKEN in the environment (or save a token in Settings) to publish',
    );
  }
  if (!token.startsWith('hf_')) {
    throw new PublishError('bad_token', 'HF_TOKEN is not a Hugging Face access token (those start with "hf_")');
  }
  const files = await publishedFiles(options.dataDir, row.filePath);
  const hubUrl = (options.hubUrl ?? DEFAULT_HUB_URL).replace(/\/+$/, '');
  const hub = await import('@huggingface/hub');
  const repo = { type: 'dataset' as const, name: request.repo };
  const credentials = { accessToken: token, hubUrl, ...(options.fetch ? { fetch: options.fetch } : {}) };
  const fail = (e: unknown) => hubFailure(e, request.repo, token);

  let created = true;
  try {
    await hub.createRepo({ ...credentials, repo, private: request.private ?? false });
  } catch (e) {
    const failure = fail(e);
    if (failure.kind !== 'repo_exists' || !request.update) throw failure;
    created = false;
  }
  let output;
  try {
    output = await hub.commit({
      ...credentials,
      repo,
      title: `Dataset version ${row.version}`,
      description: `Published by AI Data Factory: ${files.map((f) => f.path).join(', ')}.`,
      operations: await Promise.all(
        files.map(async (f) => ({
          operation: 'addOrUpdate' as const,
          path: f.path,
          content: await openAsBlob(f.file),
        })),
      ),
    });
  } catch (e) {
    throw fail(e);
  }
  if (!output) throw new PublishError('hub_error', `the Hub made no commit in ${request.repo}`);
  return {
    repo: request.repo,
    url: `${hubUrl}/datasets/${request.repo}`,
    created,
    private: created ? (request.private ?? false) : null,
    commit: output.commit,
    files: files.map((f) => f.path),
  };
}

/** A client error as a PublishError with a message of our own (the Hub's words at most, the token never). */
function hubFailure(e: unknown, repo: string, token: string): PublishError {
  if (e instanceof PublishError) return e;
  const status = (e as { statusCode?: unknown }).statusCode;
  const said = (e as Error).message ? redactSecrets(String((e as Error).message), [token]).split('. URL: ')[0] : '';
  if (typeof status === 'number') {
    if (status === 401) {
      return new PublishError('refused', 'the Hub refused the token (HTTP 401): check HF_TOKEN', status);
    }
    if (status === 403) {
      return new PublishError('refused', `the token may not write to ${repo} on the Hub (HTTP 403): ${said}`, status);
    }
    if (status === 409) {
      return new PublishError(
        'repo_exists',
        `the dataset ${repo} exists on the Hub already; publish with update (--update) to add this version to it`,
        status,
      );
    }
    if (status >= 500) {
      return new PublishError('hub_unavailable', `the Hub failed (HTTP ${status}); try again later`, status);
    }
    return new PublishError('hub_error', `the Hub answered HTTP ${status}: ${said}`, status);
  }
  const cause = (e as { cause?: { code?: string } }).cause?.code;
  return new PublishError(
    'hub_unavailable',
    `the Hub could not be reached${cause ? ` (${cause})` : ''}: ${said || 'no answer'}`,
  );
}
