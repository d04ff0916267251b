import { Controller, Get, Param } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { TemplateDetailDto, TemplateListResponseDto } from './template.dto.js';
import { TemplatesService } from './templates.service.js';

@ApiTags('templates')
@Controller('api/templates')
export class TemplatesController {
  constructor(private readonly templates: TemplatesService) {}

  @Get()
  @ApiOperation({ summary: 'List the generation templates (built-in and DATA_DIR/templates), with load errors' })
  list(): Promise<TemplateListResponseDto> {
    return this.templates.list();
  }

  @Get(':type')
  @ApiOperation({ summary: "A template's variables, example schema and prompts" })
  @ApiNotFoundResponse({
    type: ErrorResponseDto,
    description: 'No such template, or it failed to load (file and line).',
  })
  get(@Param('type') type: string): Promise<TemplateDetailDto> {
    return this.templates.get(type);
  }
}
