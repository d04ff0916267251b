import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsArray, IsIn, IsInt, IsNumber, IsObject, IsOptional, IsPositive, Max, Min } from 'class-validator';
import { JOB_STATUSES, jobConfigJsonSchema, LOG_LEVELS, type LogLevel, STAGES } from '@datafactory/contracts';
import { IsOptionalNotNull } from '../common/optional.js';
import { PageMetaDto, PageQueryDto } from '../common/paging.dto.js';
import { MAX_LOG_ID } from '../events/sse.js';

/**
 * Only the shape is checked here; every URL and config field is checked by
 * the pipeline (JobsService), which lists each problem in the 400's details.
 */
export class CreateJobRequestDto {
  @ApiProperty({
    type: [String],
    example: ['https://doc.rust-lang.org/book/ch01-00-getting-started.html'],
    description: 'Pages to fetch (http or https), 1 to 10,000; duplicates are dropped.',
  })
  @IsArray()
  urls!: unknown[];

  @ApiPropertyOptional({
    // Drawn from the zod schema the pipeline validates with (libs/contracts job-config).
    ...jobConfigJsonSchema(),
    description:
      'The job config (scraping, processing, generation, quality, export; every field optional). ' +
      "Defaults to the project's config, then to the built-in defaults.",
    example: { generation: { template: 'qa', examples_per_chunk: 2 } },
  })
  @IsOptionalNotNull()
  @IsObject()
  config?: Record<string, unknown>;
}

export class RefreshJobRequestDto {
  @ApiPropertyOptional({
    minimum: 0,
    exclusiveMinimum: true,
    maximum: 1_000_000,
    example: 0.5,
    description:
      "The refresh's own budget for LLM calls (USD); the refreshed job's `generation.max_cost_usd` when absent.",
  })
  @IsOptionalNotNull()
  @IsNumber(
    { allowNaN: false, allowInfinity: false },
    { message: 'maxCostUsd must be a positive number of US dollars' },
  )
  @IsPositive({ message: 'maxCostUsd must be a positive number of US dollars' })
  @Max(1_000_000, { message: 'maxCostUsd must be at most 1000000' })
  maxCostUsd?: number;
}

export class StageCountersDto {
  @ApiProperty({ description: 'Items this stage has to process (grows while earlier stages produce).' })
  total!: number;
  @ApiProperty() done!: number;
  @ApiProperty() failed!: number;
}

export class JobProgressDto {
  @ApiProperty({ type: StageCountersDto }) crawler!: StageCountersDto;
  @ApiProperty({ type: StageCountersDto }) refiner!: StageCountersDto;
  @ApiProperty({ type: StageCountersDto }) generator!: StageCountersDto;
  @ApiProperty({ type: StageCountersDto }) inspector!: StageCountersDto;
  @ApiProperty({ type: StageCountersDto }) exporter!: StageCountersDto;
}

export class JobResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) projectId!: string;
  @ApiProperty({ enum: JOB_STATUSES, enumName: 'JobStatus' }) status!: string;
  @ApiProperty({ enum: STAGES, enumName: 'Stage', nullable: true, type: String }) stage!: string | null;
  @ApiProperty({ type: JobProgressDto, description: 'Per-stage counters.' }) progress!: JobProgressDto;
  @ApiProperty({ description: 'USD spent so far.' }) costTotal!: number;
  @ApiProperty({
    description:
      'The part of costTotal estimated from token counts, not a provider usage block: calls whose reply was lost (a killed worker, a timeout) or sent no usage.',
  })
  costEstimated!: number;
  @ApiProperty({ type: String, nullable: true, description: 'Why the job failed.' }) error!: string | null;
  @ApiProperty({ description: 'Number of URLs the job was started with.' }) urlCount!: number;
  @ApiProperty({
    format: 'uuid',
    type: String,
    nullable: true,
    description: 'For a refresh: the job it fetched again (POST /api/jobs/{id}/refresh); null otherwise.',
  })
  refreshOf!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The resolved job config.' })
  config!: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time', type: String, nullable: true }) startedAt!: string | null;
  @ApiProperty({ format: 'date-time', type: String, nullable: true }) completedAt!: string | null;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'From start to completion; for a job still running, so far. Null before it starts.',
  })
  durationMs!: number | null;
}

export class JobPageResponseDto extends PageMetaDto {
  @ApiProperty({ type: [JobResponseDto] }) items!: JobResponseDto[];
}

export class JobLogsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    enum: LOG_LEVELS,
    enumName: 'LogLevel',
    description: 'Minimum level: `warn` returns warn and error lines.',
  })
  @IsOptional()
  @IsIn(LOG_LEVELS)
  level?: LogLevel;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: MAX_LOG_ID,
    description: 'Only lines with an id greater than this (a cursor).',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_LOG_ID)
  after?: number;
}

export class JobLogResponseDto {
  @ApiProperty({ description: 'Increasing id; the SSE stream uses it as the event id.' }) id!: number;
  @ApiProperty({ enum: LOG_LEVELS, enumName: 'LogLevel' }) level!: string;
  @ApiProperty({ enum: STAGES, enumName: 'Stage', nullable: true, type: String }) stage!: string | null;
  @ApiProperty() message!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true })
  context!: Record<string, unknown> | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class JobLogPageResponseDto extends PageMetaDto {
  @ApiProperty({ type: [JobLogResponseDto], description: 'Oldest first (by id).' }) items!: JobLogResponseDto[];
}
