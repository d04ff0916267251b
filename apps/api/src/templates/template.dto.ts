import { ApiProperty } from '@nestjs/swagger';

export class TemplateSummaryDto {
  @ApiProperty({ example: 'qa' }) type!: string;
  @ApiProperty({ example: 'Question-answer pairs answerable from the chunk alone.' }) description!: string;
  @ApiProperty({ enum: ['builtin', 'user'] }) source!: 'builtin' | 'user';
  @ApiProperty({ example: 'sha256:0123456789abcdef', description: 'Content hash; goes into every example lineage.' })
  hash!: string;
  @ApiProperty({ example: 3, description: 'Examples one call asks for unless the job says otherwise.' })
  examplesPerChunk!: number;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'JSON schema of one example.' })
  schema!: Record<string, unknown>;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'One example as the model writes it (built-ins); null for user templates.',
    example: { question: 'At what temperature does water boil at sea level?', answer: '100 °C.' },
  })
  sample!: Record<string, unknown> | null;
}

export class TemplateVariableDto {
  @ApiProperty({ example: 'chunk.text' }) name!: string;
  @ApiProperty({ example: 'the chunk text' }) description!: string;
}

export class TemplateDetailDto extends TemplateSummaryDto {
  @ApiProperty({ type: [TemplateVariableDto], description: 'Variables the prompts use.' })
  variables!: TemplateVariableDto[];
  @ApiProperty({ description: 'System prompt (Nunjucks source).' }) systemPrompt!: string;
  @ApiProperty({ description: 'User prompt (Nunjucks source).' }) userPrompt!: string;
  @ApiProperty({ example: '{{ example.question }}', description: 'How an example becomes the stored input text.' })
  input!: string;
  @ApiProperty({ example: '{{ example.answer }}', description: 'How an example becomes the stored output text.' })
  output!: string;
}

export class TemplateLoadErrorDto {
  @ApiProperty({ example: 'glossary' }) template!: string;
  @ApiProperty({ example: '/data/templates/glossary/user.njk' }) file!: string;
  @ApiProperty({ type: Number, nullable: true, example: 4 }) line!: number | null;
  @ApiProperty({ example: 'unexpected end of file' }) problem!: string;
}

export class TemplateListResponseDto {
  @ApiProperty({ type: [TemplateSummaryDto] }) items!: TemplateSummaryDto[];
  @ApiProperty({
    type: [TemplateLoadErrorDto],
    description: 'User templates in DATA_DIR/templates that could not be loaded, with file and line.',
  })
  errors!: TemplateLoadErrorDto[];
}
