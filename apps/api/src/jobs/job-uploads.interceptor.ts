import { type CallHandler, type ExecutionContext, Inject, Injectable, type NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import multer, { MulterError, type StorageEngine } from 'multer';
import type { Observable } from 'rxjs';
import type { Readable } from 'node:stream';
import { APP_CONFIG, type AppConfig } from '@datafactory/config';
import { JobInputError, type UploadedFile } from '@datafactory/pipeline';

/** The request's files once the interceptor has read them (multipart requests only). */
export type RequestWithUploads = Request & { jobFiles?: UploadedFile[] };

const mb = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;

/** Text fields a multipart job request may carry, and the largest each may be. */
const FIELDS = ['urls', 'config'];
const MAX_FIELD_BYTES = 1024 * 1024;

/**
 * Multer storage that keeps each file in memory while holding the operator's limits (each file, all
 * files of the request), and names the file that broke one; multer stops the request at the first error.
 */
class LimitedMemoryStorage implements StorageEngine {
  constructor(private readonly limits: AppConfig['uploads']) {}

  _handleFile(
    req: Request,
    file: Express.Multer.File,
    callback: (error?: unknown, info?: Partial<Express.Multer.File>) => void,
  ): void {
    const state = req as Request & { uploadBytes?: number };
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    const stream = file.stream as Readable;
    stream.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      state.uploadBytes = (state.uploadBytes ?? 0) + chunk.length;
      const problem =
        size > this.limits.maxFileBytes
          ? `files: "${file.originalname}" is over ${mb(this.limits.maxFileBytes)}; at most ${mb(this.limits.maxFileBytes)} per file (UPLOAD_MAX_FILE_MB)`
          : state.uploadBytes > this.limits.maxTotalBytes
            ? `files: over ${mb(this.limits.maxTotalBytes)} in all at "${file.originalname}"; at most ${mb(this.limits.maxTotalBytes)} per job (UPLOAD_MAX_TOTAL_MB)`
            : null;
      if (problem) {
        failed = true;
        chunks.length = 0;
        stream.resume();
        return callback(new JobInputError([problem]));
      }
      chunks.push(chunk);
    });
    stream.on('error', (e) => {
      if (!failed) callback(e);
      failed = true;
    });
    stream.on('end', () => {
      if (!failed) callback(null, { buffer: Buffer.concat(chunks, size), size });
    });
  }

  _removeFile(_req: Request, file: Express.Multer.File, callback: (error: Error | null) => void): void {
    (file as { buffer?: Buffer }).buffer = undefined;
    callback(null);
  }
}

/**
 * `POST /api/projects/{id}/jobs` as multipart/form-data: the files (any field name, `files` by
 * convention) and two text fields, `urls` (a JSON array, or one URL per line) and `config` (a JSON
 * object). Reads them with multer under the operator's upload limits, then hands the body on as the
 * JSON route's (`{ urls, config }`, validated by the same DTO) and the files in `req.jobFiles`. A JSON
 * request passes through untouched. Every problem is a 400 naming the field or the file.
 */
@Injectable()
export class JobUploadsInterceptor implements NestInterceptor {
  private readonly parse: ReturnType<ReturnType<typeof multer>['any']>;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    const limits = config.uploads;
    this.parse = multer({
      storage: new LimitedMemoryStorage(limits),
      // Browsers and curl send file names as UTF-8 (multer's default would read them as Latin-1).
      defParamCharset: 'utf8',
      limits: {
        files: limits.maxFiles,
        fields: FIELDS.length * 10,
        fieldSize: MAX_FIELD_BYTES,
        fieldNameSize: 100,
        parts: limits.maxFiles + FIELDS.length * 10,
        headerPairs: 100,
      },
    }).any();
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const req = context.switchToHttp().getRequest<RequestWithUploads>();
    if (!req.is('multipart/form-data')) return next.handle();
    await new Promise<void>((resolve, reject) =>
      this.parse(req, context.switchToHttp().getResponse<Response>(), (e?: unknown) =>
        e ? reject(this.problem(e)) : resolve(),
      ),
    );
    const files = (req.files as Express.Multer.File[] | undefined) ?? [];
    req.jobFiles = files.map((f) => ({ name: f.originalname, bytes: f.buffer }));
    req.body = multipartBody((req.body ?? {}) as Record<string, unknown>);
    return next.handle();
  }

  private problem(e: unknown): JobInputError {
    if (e instanceof JobInputError) return e;
    const limits = this.config.uploads;
    if (e instanceof MulterError) {
      const message: Record<string, string> = {
        LIMIT_FILE_COUNT: `files: more than ${limits.maxFiles} files; at most ${limits.maxFiles} per job (UPLOAD_MAX_FILES)`,
        LIMIT_PART_COUNT: 'the multipart body has too many parts',
        LIMIT_FIELD_COUNT: `the multipart body has too many fields; send ${FIELDS.join(' and ')}`,
        LIMIT_FIELD_VALUE: `${e.field ?? 'a field'} is larger than ${mb(MAX_FIELD_BYTES)}`,
        LIMIT_FIELD_KEY: 'a field name is too long',
      };
      return new JobInputError([message[e.code] ?? `the multipart body is refused: ${e.message}`]);
    }
    return new JobInputError([`the multipart body is malformed: ${(e as Error).message}`]);
  }
}

/** The JSON route's body from the text fields of a multipart request. */
function multipartBody(fields: Record<string, unknown>): Record<string, unknown> {
  const problems: string[] = [];
  const unknown = Object.keys(fields).filter((k) => !FIELDS.includes(k));
  if (unknown.length) problems.push(`unknown form field(s) ${unknown.join(', ')}; send urls, config and files`);
  const body: Record<string, unknown> = {};
  const urls = fields.urls;
  if (urls !== undefined) {
    const values = Array.isArray(urls) ? urls : [urls];
    const list: unknown[] = [];
    for (const v of values) {
      const text = String(v).trim();
      if (text.startsWith('[')) {
        try {
          const parsed: unknown = JSON.parse(text);
          if (Array.isArray(parsed)) list.push(...(parsed as unknown[]));
          else problems.push('urls must be a JSON array of URLs, or one URL per line');
        } catch {
          problems.push('urls must be a JSON array of URLs, or one URL per line');
        }
      } else list.push(...text.split(/\s+/).filter(Boolean));
    }
    body.urls = list;
  }
  if (fields.config !== undefined) {
    const text = Array.isArray(fields.config) ? null : String(fields.config);
    let parsed: unknown;
    try {
      parsed = text === null ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      problems.push('config must be a JSON object (one form field)');
    } else body.config = parsed;
  }
  if (problems.length) throw new JobInputError(problems);
  return body;
}
