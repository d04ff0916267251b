import { ApiProperty } from '@nestjs/swagger';
import { FunnelStageName } from '@datafactory/contracts';

const STAGE_NAMES = Object.values(FunnelStageName);

export class FunnelReasonDto {
  @ApiProperty({ example: 'blocked_address', description: 'A reason code.' }) code!: string;
  @ApiProperty() count!: number;
}

export class FunnelOutcomeDto {
  @ApiProperty({
    example: 'failed',
    description:
      '`ok`, `skipped`, `failed`, `no_text`, `pending` (not settled yet), `original`, `exact_duplicate`, ' +
      '`near_duplicate`, `passed`, `rejected`, `not_inspected`, `exported`, `left_out`.',
  })
  outcome!: string;
  @ApiProperty() count!: number;
  @ApiProperty({ description: 'True for the outcome that goes on to the next stage.' }) next!: boolean;
  @ApiProperty({ type: [FunnelReasonDto], description: 'Why, by reason code, most frequent first.' })
  reasons!: FunnelReasonDto[];
}

export class FunnelStageDto {
  @ApiProperty({ enum: STAGE_NAMES, enumName: 'FunnelStageName' }) stage!: string;
  @ApiProperty({ enum: ['url', 'page', 'chunk', 'example'], description: 'What the counts count.' }) unit!: string;
  @ApiProperty({ description: 'Items that came in: what the previous stage passed on.' }) input!: number;
  @ApiProperty({ type: [FunnelOutcomeDto], description: 'Where the input went; the counts add up to `input`.' })
  outcomes!: FunnelOutcomeDto[];
  @ApiProperty({ example: 'urls = ok + skipped + failed + pending', description: 'The invariant, in words.' })
  invariant!: string;
  @ApiProperty({ description: 'Whether `input` equals the sum of the outcomes, as stored.' }) holds!: boolean;
}

export class JobFunnelResponseDto {
  @ApiProperty({ format: 'uuid' }) jobId!: string;
  @ApiProperty({ example: 'qa' }) template!: string;
  @ApiProperty({ description: 'The job is final: `pending` outcomes will not move any more.' }) final!: boolean;
  @ApiProperty() urlsGiven!: number;
  @ApiProperty({ description: 'URLs found by following links and sitemaps (site mode).' }) urlsDiscovered!: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Examples asked per original chunk; null for template `none`.',
  })
  examplesPerChunk!: number | null;
  @ApiProperty({
    type: [FunnelStageDto],
    description: 'fetch, refine, dedup, generate, inspect, export (template `none`: no generate or inspect).',
  })
  stages!: FunnelStageDto[];
  @ApiProperty({ type: Number, nullable: true, description: "Records in the job's export; null before it." })
  exported!: number | null;
  @ApiProperty({ description: "Every stage's invariant holds." }) holds!: boolean;
}
