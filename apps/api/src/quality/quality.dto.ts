import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsObject, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import { REVIEW_STATES, type ReviewState } from '@datafactory/contracts';
import { type CheckName, QUALITY_CHECKS } from '@datafactory/inspector';
import { IsOptionalNotNull } from '../common/optional.js';
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

  @ApiPropertyOptional({ enum: REVIEW_STATES, description: 'Only examples in this review state.' })
  @IsOptional()
  @IsIn(REVIEW_STATES)
  review?: ReviewState;
}

/** The longest review reason and edited output the API takes. */
export const MAX_REVIEW_REASON = 2_000;
export const MAX_EDITED_OUTPUT = 100_000;

export class ReviewExampleRequestDto {
  @ApiProperty({
    enum: REVIEW_STATES,
    description:
      '`accepted`, `rejected` (needs `reason`; never exported), `edited` (needs `output`: exported in place of the ' +
      'generated output, which is kept) or `unreviewed` (undoes a decision).',
  })
  @IsIn(REVIEW_STATES)
  review!: ReviewState;

  @ApiPropertyOptional({ maxLength: MAX_REVIEW_REASON, description: 'Why; required to reject.', nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_REVIEW_REASON)
  reason?: string | null;

  @ApiPropertyOptional({ maxLength: MAX_EDITED_OUTPUT, description: "The reviewer's output; only with `edited`." })
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(MAX_EDITED_OUTPUT)
  output?: string;
}

export class ReviewFilterDto {
  @ApiPropertyOptional({ enum: QUALITY_CHECKS, description: 'Examples on which this check failed.' })
  @IsOptionalNotNull()
  @IsIn(QUALITY_CHECKS)
  check?: CheckName;

  @ApiPropertyOptional({ description: 'true: passed quality control; false: inspected and did not pass.' })
  @IsOptionalNotNull()
  @IsBoolean()
  passed?: boolean;

  @ApiPropertyOptional({ enum: REVIEW_STATES, description: 'Examples in this review state now.' })
  @IsOptionalNotNull()
  @IsIn(REVIEW_STATES)
  review?: ReviewState;
}

const BULK_STATES = REVIEW_STATES.filter((s) => s !== 'edited');

export class BulkReviewRequestDto {
  @ApiProperty({
    enum: BULK_STATES,
    description: 'The decision for every matching example (`edited` is one example at a time).',
  })
  @IsIn(BULK_STATES, { message: `review must be one of the following values: ${BULK_STATES.join(', ')}` })
  review!: Exclude<ReviewState, 'edited'>;

  @ApiPropertyOptional({ maxLength: MAX_REVIEW_REASON, description: 'Why; required to reject.', nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_REVIEW_REASON)
  reason?: string | null;

  @ApiPropertyOptional({
    type: ReviewFilterDto,
    description: 'Which examples of the job; every condition given must hold. Empty or left out: all of them.',
    example: { check: 'format', passed: false },
  })
  @IsOptionalNotNull()
  @IsObject()
  @ValidateNested()
  @Type(() => ReviewFilterDto)
  filter?: ReviewFilterDto;
}

export class BulkReviewResponseDto {
  @ApiProperty({ description: 'Examples that got the decision.' }) updated!: number;
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

export class ReviewCountsDto {
  @ApiProperty() unreviewed!: number;
  @ApiProperty() accepted!: number;
  @ApiProperty() rejected!: number;
  @ApiProperty() edited!: number;
  @ApiProperty({ description: 'Passed quality control and not rejected by a reviewer: what the next export takes.' })
  exportable!: number;
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
  @ApiProperty({
    type: ReviewCountsDto,
    description: "People's decisions over every example of the job (generated ok or not).",
  })
  review!: ReviewCountsDto;
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
  @ApiProperty({ enum: REVIEW_STATES, description: "A person's decision." }) review!: string;
  @ApiProperty({ type: String, nullable: true, description: "The reviewer's reason." }) reviewReason!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: "The reviewer's output of an `edited` example (`outputText` stays the generated one).",
  })
  editedOutput!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) reviewedAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class ExamplePageResponseDto extends PageMetaDto {
  @ApiProperty({ type: [ExampleResponseDto] }) items!: ExampleResponseDto[];
}
