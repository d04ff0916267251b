import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional } from 'class-validator';
import { type CheckName, QUALITY_CHECKS } from '@datafactory/inspector';
import { PageMetaDto, PageQueryDto } from '../common/paging.dto.js';

export class ExampleQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    type: Boolean,
    description: 'true: examples that passed quality control; false: inspected examples that did not.',
  })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  passed?: boolean;

  @ApiPropertyOptional({ enum: QUALITY_CHECKS, description: 'Only examples on which this check failed.' })
  @IsOptional()
  @IsIn(QUALITY_CHECKS)
  check?: CheckName;
}

export class ReasonCountDto {
  @ApiProperty({ example: 'refusal' }) code!: string;
  @ApiProperty() count!: number;
}

export class CheckSummaryDto {
  @ApiProperty() pass!: number;
  @ApiProperty() fail!: number;
  @ApiProperty({ description: 'The check did not apply (e.g. an output too short for readability).' })
  skipped!: number;
  @ApiProperty({ description: 'The check could not run (e.g. no toxicity model).' }) unavailable!: number;
  @ApiProperty({ type: [ReasonCountDto], description: 'Failures per reason code, most frequent first.' })
  reasons!: ReasonCountDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Why the check could not run, when it could not.' })
  unavailableReason!: string | null;
}

export class HistogramBinDto {
  @ApiProperty({ example: 0.7 }) from!: number;
  @ApiProperty({ example: 0.8 }) to!: number;
  @ApiProperty() count!: number;
}

export class TokenLengthStatsDto {
  @ApiProperty() min!: number;
  @ApiProperty() max!: number;
  @ApiProperty() mean!: number;
  @ApiProperty() p50!: number;
  @ApiProperty() p90!: number;
}

@ApiExtraModels(CheckSummaryDto)
export class QualityReportResponseDto {
  @ApiProperty({ format: 'uuid' }) jobId!: string;
  @ApiProperty({ description: 'Examples of the job: inspected + notInspected + generationFailed.' }) total!: number;
  @ApiProperty() inspected!: number;
  @ApiProperty({ description: 'Generated but not scored yet.' }) notInspected!: number;
  @ApiProperty({ description: 'Examples whose generation failed; they are never inspected.' })
  generationFailed!: number;
  @ApiProperty() passed!: number;
  @ApiProperty() failed!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'passed / inspected.' }) passRate!: number | null;
  @ApiProperty({ type: Number, nullable: true }) averageScore!: number | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: getSchemaPath(CheckSummaryDto) },
    description: 'Per check (format, readability, duplicates, toxicity, judge) that ran.',
  })
  checks!: Record<string, CheckSummaryDto>;
  @ApiProperty({ type: [String], description: 'Checks that could not run on some examples: never a silent pass.' })
  unavailableChecks!: string[];
  @ApiProperty({ type: [HistogramBinDto], description: 'Ten bins of the composite score.' })
  histogram!: HistogramBinDto[];
  @ApiProperty({ type: TokenLengthStatsDto, nullable: true }) tokenLength!: TokenLengthStatsDto | null;
  @ApiProperty({ type: Number, nullable: true, description: 'USD spent by the LLM judge; null when not priced.' })
  judgeCost!: number | null;
  @ApiProperty({
    type: Number,
    nullable: true,
    description:
      'Share of the examples the grounded check scored whose every sentence is supported by its source chunk; null when the check scored none.',
  })
  groundedRate!: number | null;
}

export class ExampleResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) chunkId!: string;
  @ApiProperty({ example: 'qa' }) templateType!: string;
  @ApiProperty() inputText!: string;
  @ApiProperty() outputText!: string;
  @ApiProperty() modelUsed!: string;
  @ApiProperty({ enum: ['ok', 'failed'], description: 'Generation status.' }) status!: string;
  @ApiProperty() tokenCount!: number;
  @ApiProperty({ type: Number, nullable: true }) cost!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Composite quality score, 0–1.' })
  qualityScore!: number | null;
  @ApiProperty({ type: Boolean, nullable: true }) passedQc!: boolean | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'Per-check status, score, reason and reason codes (see docs/inspector.md).',
  })
  qualityDetails!: Record<string, unknown> | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class ExamplePageResponseDto extends PageMetaDto {
  @ApiProperty({ type: [ExampleResponseDto] }) items!: ExampleResponseDto[];
}
