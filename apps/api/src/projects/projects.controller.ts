import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Put, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiError, ApiErrors, ApiTokenRequired } from '../common/api-responses.js';
import { PageQueryDto } from '../common/paging.dto.js';
import {
  CreateProjectRequestDto,
  ProjectPageResponseDto,
  ProjectResponseDto,
  UpdateProjectRequestDto,
} from './project.dto.js';
import { ProjectsService } from './projects.service.js';

@ApiTags('projects')
@ApiTokenRequired()
@ApiErrors(400, 429)
@Controller('api/projects')
export class ProjectsController {
  constructor(private readonly projects: ProjectsService) {}

  @Post()
  @ApiOperation({ summary: 'Create a project' })
  @ApiCreatedResponse({ type: ProjectResponseDto, description: 'The new project.' })
  @ApiErrors(413)
  create(@Body() body: CreateProjectRequestDto): Promise<ProjectResponseDto> {
    return this.projects.create(body);
  }

  @Get()
  @ApiOperation({ summary: 'List projects, newest first' })
  @ApiOkResponse({ type: ProjectPageResponseDto })
  list(@Query() query: PageQueryDto): Promise<ProjectPageResponseDto> {
    return this.projects.list(query.page, query.pageSize);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a project' })
  @ApiOkResponse({ type: ProjectResponseDto })
  @ApiError(404, 'No such project.')
  get(@Param('id') id: string): Promise<ProjectResponseDto> {
    return this.projects.get(id);
  }

  @Put(':id')
  @ApiOperation({ summary: 'Update a project (the fields given)' })
  @ApiOkResponse({ type: ProjectResponseDto, description: 'The project as updated.' })
  @ApiError(404, 'No such project.')
  @ApiErrors(413)
  update(@Param('id') id: string, @Body() body: UpdateProjectRequestDto): Promise<ProjectResponseDto> {
    return this.projects.update(id, body);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete a project with its jobs and their data' })
  @ApiNoContentResponse({ description: 'Deleted; no body.' })
  @ApiError(404, 'No such project.')
  remove(@Param('id') id: string): Promise<void> {
    return this.projects.remove(id);
  }
}
