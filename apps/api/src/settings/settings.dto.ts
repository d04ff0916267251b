import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsObject, IsOptional, IsString, MaxLength, MinLength, ValidateIf, ValidateNested } from 'class-validator';

/** What the API says about a stored key: never the key itself. */
export class ApiKeyStatusDto {
  @ApiProperty({ description: 'Whether a key is stored.' }) set!: boolean;
  @ApiProperty({ type: String, nullable: true, example: 'x9Qz', description: 'The last 4 characters of the key.' })
  last4!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) updatedAt!: string | null;
}

export class ApiKeysStatusDto {
  @ApiProperty({ type: ApiKeyStatusDto, description: 'Key for OpenAI or the OpenAI-compatible server.' })
  openai!: ApiKeyStatusDto;
}

export class SettingsResponseDto {
  @ApiProperty({ type: ApiKeysStatusDto }) apiKeys!: ApiKeysStatusDto;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'Default job config (the job config of DESIGN.md; any subset), as saved.',
    example: { generation: { template: 'qa', examples_per_chunk: 2 } },
  })
  defaultJobConfig!: Record<string, unknown>;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Last change; null if never saved.' })
  updatedAt!: string | null;
}

/** A string stores a key, `null` removes it, a missing field leaves it as it is. */
export class UpdateApiKeysDto {
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    minLength: 8,
    maxLength: 500,
    description: 'The new key (write-only), or null to remove the stored key.',
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @MinLength(8)
  @MaxLength(500)
  openai?: string | null;
}

export class UpdateSettingsRequestDto {
  @ApiPropertyOptional({ type: UpdateApiKeysDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => UpdateApiKeysDto)
  apiKeys?: UpdateApiKeysDto;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Replaces the default job config; checked like a job config (every bad field is named).',
  })
  @IsOptional()
  @IsObject()
  defaultJobConfig?: Record<string, unknown>;
}
