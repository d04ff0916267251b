import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class RangeDto {
  @ApiProperty() low!: number;
  @ApiProperty() expected!: number;
  @ApiProperty() high!: number;
}

export class EstimateSampleDto {
  @ApiProperty() url!: string;
  @ApiProperty({ description: 'ok, skipped or failed' }) status!: string;
  @ApiProperty({ description: 'Chunks the page gave' }) chunks!: number;
  @ApiPropertyOptional() reason?: string;
}

export class GenerationEstimateDto {
  @ApiProperty() sampledDocuments!: number;
  @ApiProperty() totalDocuments!: number;
  @ApiProperty({ type: RangeDto }) chunks!: RangeDto;
  @ApiProperty({ type: RangeDto, description: 'LLM calls' }) calls!: RangeDto;
  @ApiProperty({ type: RangeDto }) inputTokens!: RangeDto;
  @ApiProperty({ type: RangeDto }) outputTokens!: RangeDto;
  @ApiProperty({ type: RangeDto, nullable: true, description: 'USD; null when the model has no known price' })
  costUsd!: RangeDto | null;
  @ApiProperty() note!: string;
}

export class JobEstimateResponseDto {
  @ApiProperty({ description: 'URLs in the request (after removing duplicates)' }) urls!: number;
  @ApiProperty({ type: [EstimateSampleDto], description: 'The URLs fetched and refined for the estimate' })
  sample!: EstimateSampleDto[];
  @ApiProperty({ type: GenerationEstimateDto, nullable: true, description: 'Null with template "none"' })
  generation!: GenerationEstimateDto | null;
  @ApiProperty({ description: 'Says that this is extrapolated from a sample, and how' }) note!: string;
}
