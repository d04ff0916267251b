import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsObject, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsOptionalNotNull } from '../common/optional.js';
import { PageMetaDto } from '../common/paging.dto.js';

export class CreateProjectRequestDto {
  @ApiProperty({ example: 'Rust docs Q&A', maxLength: 200 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  @ApiPropertyOptional({ example: 'Q&A pairs from the Rust book', maxLength: 5000, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  description?: string | null;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Default job config for this project (the job config of DESIGN.md; any subset).',
    example: { generation: { template: 'qa' } },
  })
  @IsOptionalNotNull()
  @IsObject()
  config?: Record<string, unknown>;
}

/** PUT replaces the fields it names; at least one is expected but none is required. */
export class UpdateProjectRequestDto {
  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ maxLength: 5000, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  description?: string | null;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptionalNotNull()
  @IsObject()
  config?: Record<string, unknown>;
}

export class ProjectResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) config!: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class ProjectPageResponseDto extends PageMetaDto {
  @ApiProperty({ type: [ProjectResponseDto] }) items!: ProjectResponseDto[];
}
