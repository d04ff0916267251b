import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsOptionalNotNull } from '../common/optional.js';
import {
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';

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
  @ApiProperty({
    type: ApiKeyStatusDto,
    description: 'Hugging Face write token, for publishing exports to the Hub (overrides HF_TOKEN).',
  })
  huggingface!: ApiKeyStatusDto;
}

/** What the operator's environment allows; read-only here (set in the server's environment, see README "Security"). */
export class OperatorSettingsDto {
  @ApiProperty({
    description:
      'Whether jobs may reach loopback, private, link-local and metadata addresses (CRAWL_ALLOW_PRIVATE_NETWORKS).',
  })
  allowPrivateNetworks!: boolean;
  @ApiProperty({
    type: [String],
    example: ['wiki.intranet:443'],
    description: 'host:port pairs jobs may reach even on a private address (CRAWL_TRUSTED_HOSTS).',
  })
  trustedHosts!: string[];
  @ApiProperty({
    type: [String],
    example: ['https://api.openai.com/v1', 'http://127.0.0.1:11434/v1'],
    description:
      'LLM endpoints a job may choose with generation.base_url: the default first (OPENAI_BASE_URL, gets the key), ' +
      'then LLM_ALLOWED_BASE_URLS (called without the key).',
  })
  llmBaseUrls!: string[];
  @ApiProperty({
    enum: ['settings', 'environment', 'none'],
    description: 'Which key the default LLM endpoint gets: the one saved here, OPENAI_API_KEY, or none.',
  })
  llmKeySource!: 'settings' | 'environment' | 'none';
  @ApiProperty({
    enum: ['settings', 'environment', 'none'],
    description: 'Which token publishing to the Hugging Face Hub uses: the one saved here, HF_TOKEN, or none.',
  })
  hubTokenSource!: 'settings' | 'environment' | 'none';
}

export class SettingsResponseDto {
  @ApiProperty({ type: ApiKeysStatusDto }) apiKeys!: ApiKeysStatusDto;
  @ApiProperty({ type: OperatorSettingsDto }) operator!: OperatorSettingsDto;
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

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    minLength: 8,
    maxLength: 500,
    pattern: '^\\s*hf_\\S+\\s*$',
    description: 'A Hugging Face write token (write-only, starts with hf_), or null to remove the stored one.',
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @MinLength(8)
  @MaxLength(500)
  @Matches(/^\s*hf_\S+\s*$/, { message: 'huggingface must be a Hugging Face access token (it starts with "hf_")' })
  huggingface?: string | null;
}

export class UpdateSettingsRequestDto {
  @ApiPropertyOptional({ type: UpdateApiKeysDto })
  @IsOptionalNotNull()
  @ValidateNested()
  @Type(() => UpdateApiKeysDto)
  apiKeys?: UpdateApiKeysDto;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Replaces the default job config; checked like a job config (every bad field is named).',
  })
  @IsOptionalNotNull()
  @IsObject()
  defaultJobConfig?: Record<string, unknown>;
}
