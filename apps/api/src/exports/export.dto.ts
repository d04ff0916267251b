import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Min, ValidateBy } from 'class-validator';
import {
  DATASET_FORMATS,
  type DatasetFormat,
  hubRepoProblem,
  SPLIT_NAMES,
  type SplitName,
} from '@datafactory/exporter';
import { IsOptionalNotNull } from '../common/optional.js';
import { PageMetaDto } from '../common/paging.dto.js';

/** `"none"` or an object of ratios; resolveExportConfig checks the ratios themselves. */
const IsSplit = () =>
  ValidateBy({
    name: 'isSplit',
    validator: {
      validate: (v: unknown) => v === 'none' || (typeof v === 'object' && v !== null && !Array.isArray(v)),
      defaultMessage: () => 'split must be "none" or an object such as {"train": 0.8, "validation": 0.1, "test": 0.1}',
    },
  });

export class SplitRatiosDto {
  @ApiProperty({ minimum: 0, maximum: 1, example: 0.8 }) train!: number;
  @ApiPropertyOptional({ minimum: 0, maximum: 1, example: 0.1 }) validation?: number;
  @ApiPropertyOptional({ minimum: 0, maximum: 1, example: 0.1 }) test?: number;
}

export class CreateExportRequestDto {
  @ApiPropertyOptional({
    enum: DATASET_FORMATS,
    default: 'jsonl',
    description: "Default: the job config's export.format.",
  })
  @IsOptionalNotNull()
  @IsIn(DATASET_FORMATS)
  format?: DatasetFormat;

  @ApiPropertyOptional({
    default: false,
    description: 'Export every example (failed ones too) with its scores, for analysis (jsonl, json, csv, parquet).',
  })
  @IsOptionalNotNull()
  @IsBoolean()
  include_failed?: boolean;

  @ApiPropertyOptional({
    default: true,
    description:
      'Whether examples nobody reviewed are exported (true) or only accepted and edited ones (false). ' +
      "Rejected examples are never exported; edited ones go out with the reviewer's output.",
  })
  @IsOptionalNotNull()
  @IsBoolean()
  include_unreviewed?: boolean;

  @ApiPropertyOptional({
    oneOf: [{ type: 'string', enum: ['none'] }, { $ref: '#/components/schemas/SplitRatiosDto' }],
    default: 'none',
    description: 'Train/validation/test ratios adding up to 1; examples are grouped by source domain.',
    example: { train: 0.8, validation: 0.1, test: 0.1 },
  })
  @IsOptionalNotNull()
  @IsSplit()
  split?: 'none' | SplitRatiosDto;

  @ApiPropertyOptional({ minimum: 0, default: 42, description: 'Seed of the domain → split assignment.' })
  @IsOptionalNotNull()
  @IsInt()
  @Min(0)
  seed?: number;

  @ApiPropertyOptional({ example: 'cc-by-4.0', default: 'unknown', description: 'A Hugging Face license id.' })
  @IsOptionalNotNull()
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9.+-]{0,63}$/, {
    message: 'license must be a Hugging Face license id such as mit or cc-by-4.0',
  })
  license?: string;
}

export class DownloadExportQueryDto {
  @ApiPropertyOptional({
    enum: SPLIT_NAMES,
    description: 'Which split to download when the export has several (default: the only file, or train).',
  })
  @IsOptional()
  @IsIn(SPLIT_NAMES)
  split?: SplitName;
}

export class ExportFileResponseDto {
  @ApiProperty({ enum: SPLIT_NAMES }) split!: string;
  @ApiProperty({ example: 'data.jsonl' }) file!: string;
  @ApiProperty() records!: number;
  @ApiProperty() bytes!: number;
  @ApiProperty({ example: '/api/exports/6f1c.../download?split=train' }) downloadUrl!: string;
}

export class ExportResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) jobId!: string;
  @ApiProperty({ format: 'uuid' }) projectId!: string;
  @ApiProperty() projectName!: string;
  @ApiProperty({ enum: DATASET_FORMATS }) format!: string;
  @ApiProperty({ example: '20261125T120000123Z', description: 'Timestamp-based, unique per job.' }) version!: string;
  @ApiProperty() recordCount!: number;
  @ApiProperty({ type: [ExportFileResponseDto], description: 'Data files by split (empty when the files are gone).' })
  files!: ExportFileResponseDto[];
  @ApiProperty({ example: '/api/exports/6f1c.../download' }) downloadUrl!: string;
  @ApiProperty({ example: '/api/exports/6f1c.../card' }) cardUrl!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class ExportListResponseDto {
  @ApiProperty({ type: [ExportResponseDto] }) items!: ExportResponseDto[];
}

export class ExportPageResponseDto extends PageMetaDto {
  @ApiProperty({ type: [ExportResponseDto] }) items!: ExportResponseDto[];
}

/** A Hub repository id, checked by the exporter's own rules (hubRepoProblem). */
const IsHubRepo = () =>
  ValidateBy({
    name: 'isHubRepo',
    validator: {
      validate: (v: unknown) => hubRepoProblem(v) === null,
      defaultMessage: (args) => hubRepoProblem(args?.value) ?? 'repo must be "namespace/name"',
    },
  });

export class PublishExportRequestDto {
  @ApiProperty({
    example: 'alice/rust-book-qa',
    maxLength: 193,
    description:
      'The dataset repository on the Hugging Face Hub, "namespace/name" (your user name or an organization). ' +
      "The Hub is the operator's (HF_ENDPOINT); the token is HF_TOKEN or the one saved in Settings.",
  })
  @IsString()
  @IsHubRepo()
  repo!: string;

  @ApiPropertyOptional({
    default: false,
    description: 'Create the repository private (an existing one keeps its own).',
  })
  @IsOptionalNotNull()
  @IsBoolean()
  private?: boolean;

  @ApiPropertyOptional({
    default: false,
    description: 'When the repository exists already, add this version to it as a new commit (otherwise a 409).',
  })
  @IsOptionalNotNull()
  @IsBoolean()
  update?: boolean;
}

export class PublishCommitDto {
  @ApiProperty({ example: '3f2c1b…', description: 'The commit id on the Hub.' }) oid!: string;
  @ApiProperty({ example: 'https://huggingface.co/datasets/alice/rust-book-qa/commit/3f2c1b…' }) url!: string;
}

export class PublishExportResponseDto {
  @ApiProperty({ example: 'alice/rust-book-qa' }) repo!: string;
  @ApiProperty({ example: 'https://huggingface.co/datasets/alice/rust-book-qa', description: "The dataset's page." })
  url!: string;
  @ApiProperty({
    description: 'Whether this publish created the repository (false: a commit added to an existing one).',
  })
  created!: boolean;
  @ApiProperty({
    type: Boolean,
    nullable: true,
    description: 'The visibility it was created with; null when it existed.',
  })
  private!: boolean | null;
  @ApiProperty({ type: PublishCommitDto }) commit!: PublishCommitDto;
  @ApiProperty({ type: [String], example: ['train.jsonl', 'test.jsonl', 'README.md', 'sources.txt'] })
  files!: string[];
}
