import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Min, ValidateBy } from 'class-validator';
import { DATASET_FORMATS, type DatasetFormat, SPLIT_NAMES, type SplitName } from '@datafactory/exporter';
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
