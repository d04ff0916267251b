import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class StatsOverviewResponseDto {
  @ApiProperty({ description: 'Jobs ever started.' }) totalJobs!: number;
  @ApiProperty({ description: 'Jobs pending or running.' }) activeJobs!: number;
  @ApiProperty({ description: 'Training examples generated successfully (status ok).' }) examplesGenerated!: number;
  @ApiProperty({ description: "USD spent over all jobs (the sum of the jobs' costs)." }) totalCost!: number;
}

export const MAX_COST_DAYS = 90;

export class CostsQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_COST_DAYS, default: 7, description: 'Days back, today included.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_COST_DAYS)
  days: number = 7;
}

export class DailyCostDto {
  @ApiProperty({ example: '2026-11-25', description: 'UTC day.' }) date!: string;
  @ApiProperty({ description: 'USD spent on examples created that day.' }) cost!: number;
  @ApiProperty({ description: 'Examples created that day (any status).' }) examples!: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number' },
    example: { 'gpt-4o-mini': 0.0123 },
    description: 'USD per model; every model of the period is listed, with 0 on days it was not used.',
  })
  byModel!: Record<string, number>;
}

export class CostsResponseDto {
  @ApiProperty() days!: number;
  @ApiProperty({ example: '2026-11-19', description: 'First UTC day of the period.' }) from!: string;
  @ApiProperty({ example: '2026-11-25', description: 'Last UTC day of the period (today).' }) to!: string;
  @ApiProperty({ description: 'USD over the period.' }) totalCost!: number;
  @ApiProperty({ type: [String], description: 'Models used in the period, by cost, highest first.' })
  models!: string[];
  @ApiProperty({ type: [DailyCostDto], description: 'One entry per day, oldest first; days without cost are 0.' })
  daily!: DailyCostDto[];
}
