import { createReadStream, type ReadStream } from 'node:fs';
import { EntityManager } from '@mikro-orm/core';
import {
  BadGatewayException,
  BadRequestException,
  ConflictException,
  ForbiddenException,
  Inject,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@datafactory/config';
import { FINAL_JOB_STATUSES, isUuid } from '@datafactory/contracts';
import { create as contentDisposition } from 'content-disposition';
import {
  CorpusFormatError,
  ExportConfigError,
  exportDataFile,
  ExportFileMissingError,
  exportJob,
  type ExportManifest,
  ExportSplitNotFoundError,
  PublishError,
  publishExport,
  readExportManifest,
  type SplitName,
} from '@datafactory/exporter';
import { Export, Job, StoredHubToken, StoredLlmKey } from '@datafactory/persistence';
import type {
  CreateExportRequestDto,
  ExportPageResponseDto,
  ExportResponseDto,
  PublishExportRequestDto,
  PublishExportResponseDto,
} from './export.dto.js';

export interface ExportDownload {
  stream: ReadStream;
  contentType: string;
  disposition: string;
  length: number;
}

@Injectable()
export class ExportsService {
  constructor(
    private readonly em: EntityManager,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async listForJob(jobId: string): Promise<ExportResponseDto[]> {
    await this.findJob(jobId);
    const rows = await this.em.find(
      Export,
      { job: jobId },
      { populate: ['job.project'], orderBy: { createdAt: 'desc', version: 'desc' } },
    );
    return Promise.all(rows.map((r) => this.toResponse(r)));
  }

  async list(page: number, pageSize: number): Promise<ExportPageResponseDto> {
    const [rows, total] = await this.em.findAndCount(
      Export,
      {},
      {
        populate: ['job.project'],
        orderBy: { createdAt: 'desc', version: 'desc', id: 'asc' },
        limit: pageSize,
        offset: (page - 1) * pageSize,
      },
    );
    return { items: await Promise.all(rows.map((r) => this.toResponse(r))), total, page, pageSize };
  }

  /**
   * A new export (a new version) of a finished job (completed, or cancelled or
   * failed with what it finished), written now, in this request: the exporter
   * streams, so the request holds little memory.
   */
  async create(jobId: string, dto: CreateExportRequestDto): Promise<ExportResponseDto> {
    const job = await this.findJob(jobId);
    if (!FINAL_JOB_STATUSES.includes(job.status)) {
      throw new ConflictException(`job ${jobId} is ${job.status}: it can be exported once it has finished`);
    }
    try {
      const result = await exportJob(this.em, jobId, dto, {
        dataDir: this.config.dataDir,
        secrets: [
          this.config.llm.apiKey,
          await StoredLlmKey.inDataDir(this.config.dataDir).read(),
          this.config.hub.token,
          await StoredHubToken.inDataDir(this.config.dataDir).read(),
        ],
      });
      return await this.get(result.exportId);
    } catch (e) {
      if (e instanceof ExportConfigError || e instanceof CorpusFormatError) throw new BadRequestException(e.message);
      throw e;
    }
  }

  async get(id: string): Promise<ExportResponseDto> {
    return this.toResponse(await this.findExport(id));
  }

  /** The data file of the export (by id; a split name from an enum at most), as a stream. */
  async download(id: string, split?: SplitName): Promise<ExportDownload> {
    const row = await this.findExport(id);
    try {
      const file = await exportDataFile(this.config.dataDir, row, split);
      const name = `${slug(row.job.project.name)}-${row.version}-${file.fileName}`;
      return {
        stream: createReadStream(file.path),
        contentType: file.contentType,
        disposition: contentDisposition(name),
        length: file.bytes,
      };
    } catch (e) {
      if (e instanceof ExportSplitNotFoundError) throw new NotFoundException(e.message);
      if (e instanceof ExportFileMissingError) throw new NotFoundException(`export ${id}: ${e.message}`);
      throw e;
    }
  }

  /**
   * Publishes the export's files to the Hugging Face Hub (HF_ENDPOINT, the
   * operator's), with the token saved in Settings or else HF_TOKEN. Within the
   * request, like an export: the client streams the files from disk.
   */
  async publish(id: string, dto: PublishExportRequestDto): Promise<PublishExportResponseDto> {
    const row = await this.findExport(id);
    const token = (await StoredHubToken.inDataDir(this.config.dataDir).read()) ?? this.config.hub.token;
    try {
      return await publishExport(
        row,
        { repo: dto.repo, private: dto.private, update: dto.update },
        { dataDir: this.config.dataDir, token, hubUrl: this.config.hub.endpoint },
      );
    } catch (e) {
      if (e instanceof ExportFileMissingError) throw new NotFoundException(`export ${id}: ${e.message}`);
      if (!(e instanceof PublishError)) throw e;
      switch (e.kind) {
        case 'no_token':
        case 'bad_token':
          throw new BadRequestException(e.message);
        case 'refused':
          throw new ForbiddenException(e.message);
        case 'repo_exists':
          throw new ConflictException(e.message);
        default:
          throw new BadGatewayException(e.message);
      }
    }
  }

  async card(id: string): Promise<string> {
    const row = await this.findExport(id);
    if (!row.datasetCard) throw new NotFoundException(`export ${id} has no dataset card`);
    return row.datasetCard;
  }

  private async findJob(id: string): Promise<Job> {
    const job = isUuid(id) ? await this.em.findOne(Job, { id }) : null;
    if (!job) throw new NotFoundException(`job ${id} not found`);
    return job;
  }

  private async findExport(id: string) {
    const row = isUuid(id) ? await this.em.findOne(Export, { id }, { populate: ['job.project'] }) : null;
    if (!row) throw new NotFoundException(`export ${id} not found`);
    return row;
  }

  private async toResponse(row: Export): Promise<ExportResponseDto> {
    let manifest: ExportManifest | undefined;
    try {
      manifest = await readExportManifest(this.config.dataDir, row.filePath);
    } catch (e) {
      if (!(e instanceof ExportFileMissingError)) throw e;
    }
    const base = `/api/exports/${row.id}`;
    return {
      id: row.id,
      jobId: row.job.id,
      projectId: row.job.project.id,
      projectName: row.job.project.name,
      format: row.format,
      version: row.version,
      recordCount: row.recordCount,
      files: (manifest?.files ?? []).map((f) => ({ ...f, downloadUrl: `${base}/download?split=${f.split}` })),
      downloadUrl: `${base}/download`,
      cardUrl: `${base}/card`,
      createdAt: row.createdAt.toISOString(),
    };
  }
}

function slug(name: string): string {
  return (
    name
      .normalize('NFKD')
      .replace(/[^\w\s-]/g, '')
      .trim()
      .replace(/[\s_-]+/g, '-')
      .toLowerCase()
      .slice(0, 60) || 'dataset'
  );
}
