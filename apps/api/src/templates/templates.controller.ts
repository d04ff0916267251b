import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiError, ApiErrors, ApiTokenRequired } from '../common/api-responses.js';
import { TemplateDetailDto, TemplateListResponseDto } from './template.dto.js';
import { TemplatesService } from './templates.service.js';

@ApiTags('templates')
@ApiTokenRequired()
@ApiErrors(429)
@Controller('api/templates')
export class TemplatesController {
  constructor(private readonly templates: TemplatesService) {}

  @Get()
  @ApiOperation({ summary: 'List the generation templates (built-in and DATA_DIR/templates), with load errors' })
  @ApiOkResponse({ type: TemplateListResponseDto })
  list(): Promise<TemplateListResponseDto> {
    return this.templates.list();
  }

  @Get(':type')
  @ApiOperation({ summary: "A template's variables, example schema and prompts" })
  @ApiOkResponse({ type: TemplateDetailDto })
  @ApiErrors(400)
  @ApiError(404, 'No such template, or it failed to load (file and line).')
  get(@Param('type') type: string): Promise<TemplateDetailDto> {
    return this.templates.get(type);
  }
}
