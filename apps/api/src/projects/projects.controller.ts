import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { PageQueryDto } from '../common/paging.dto.js';
import {
  CreateProjectRequestDto,
  ProjectPageResponseDto,
  ProjectResponseDto,
  UpdateProjectRequestDto,
} from './project.dto.js';
import { ProjectsService } from './projects.service.js';

@ApiTags('projects')
@ApiBadRequestResponse({
  type: ErrorResponseDto,
  description: 'A bad field or an unknown field; one message per problem.',
})
@Controller('api/projects')
export class ProjectsController {
  constructor(private readonly projects: ProjectsService) {}

  @Post()
  @ApiOperation({ summary: 'Create a project' })
  create(@Body() body: CreateProjectRequestDto): Promise<ProjectResponseDto> {
    return this.projects.create(body);
  }

  @Get()
  @ApiOperation({ summary: 'List projects, newest first' })
  list(@Query() query: PageQueryDto): Promise<ProjectPageResponseDto> {
    return this.projects.list(query.page, query.pageSize);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a project' })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  get(@Param('id') id: string): Promise<ProjectResponseDto> {
    return this.projects.get(id);
  }

  @Put(':id')
  @ApiOperation({ summary: 'Update a project (the fields given)' })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  update(@Param('id') id: string, @Body() body: UpdateProjectRequestDto): Promise<ProjectResponseDto> {
    return this.projects.update(id, body);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete a project with its jobs and their data' })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  remove(@Param('id') id: string): Promise<void> {
    return this.projects.remove(id);
  }
}
