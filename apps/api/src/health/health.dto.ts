import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ComponentHealthDto {
  @ApiProperty({ enum: ['ok', 'down', 'unknown'] }) status!: 'ok' | 'down' | 'unknown';
  @ApiPropertyOptional({ description: 'What is wrong, when not ok.' }) error?: string;
  @ApiPropertyOptional() latencyMs?: number;
}

export class DatabaseHealthDto extends ComponentHealthDto {
  @ApiProperty({ enum: ['sqlite', 'postgresql'] }) driver!: 'sqlite' | 'postgresql';
}

export class WorkersHealthDto extends ComponentHealthDto {
  @ApiProperty({ description: 'Workers with a heartbeat in the last 15 s.' }) count!: number;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) lastHeartbeatAt!: string | null;
}

export class HealthResponseDto {
  @ApiProperty({ enum: ['ok', 'down'] }) status!: 'ok' | 'down';
  @ApiProperty({
    enum: ['embedded', 'distributed'],
    description:
      'distributed: jobs go through Redis to worker processes; embedded: the stages run in this process, no Redis.',
  })
  mode!: 'embedded' | 'distributed';
  @ApiProperty({ type: [String], example: ['redis'], description: 'The components that are down.' }) down!: string[];
  @ApiProperty({ type: DatabaseHealthDto }) database!: DatabaseHealthDto;
  @ApiProperty({ type: ComponentHealthDto }) redis!: ComponentHealthDto;
  @ApiProperty({ type: WorkersHealthDto }) workers!: WorkersHealthDto;
  @ApiProperty() version!: string;
  @ApiProperty() uptimeSeconds!: number;
}
