import { Body, Controller, Get, Header, Param, Post, Query, StreamableFile } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiExtraModels,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import { AllowQueryToken } from '../common/auth.decorators.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { PageQueryDto } from '../common/paging.dto.js';
import {
  CreateExportRequestDto,
  DownloadExportQueryDto,
  ExportListResponseDto,
  ExportPageResponseDto,
  ExportResponseDto,
  SplitRatiosDto,
} from './export.dto.js';
import { ExportsService } from './exports.service.js';

@ApiTags('exports')
@ApiExtraModels(SplitRatiosDto)
@ApiBadRequestResponse({
  type: ErrorResponseDto,
  description: 'A bad field or an unknown field; one message per problem.',
})
@Controller()
export class ExportsController {
  constructor(private readonly exports: ExportsService) {}

  @Get('api/jobs/:id/exports')
  @ApiOperation({ summary: "A job's exports, newest first" })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  async listForJob(@Param('id') id: string): Promise<ExportListResponseDto> {
    return { items: await this.exports.listForJob(id) };
  }

  @Post('api/jobs/:id/exports')
  @ApiOperation({ summary: 'Export a finished job as a new version (format, split, include_failed, license)' })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The job is not completed.' })
  create(@Param('id') id: string, @Body() body: CreateExportRequestDto): Promise<ExportResponseDto> {
    return this.exports.create(id, body);
  }

  @Get('api/exports')
  @ApiOperation({ summary: 'Every export, newest first (the download center)' })
  list(@Query() query: PageQueryDto): Promise<ExportPageResponseDto> {
    return this.exports.list(query.page, query.pageSize);
  }

  @AllowQueryToken()
  @Get('api/exports/:id/download')
  @ApiOperation({ summary: 'Download the data file of an export (streamed)' })
  @ApiProduces('application/jsonl', 'application/json', 'text/csv', 'application/vnd.apache.parquet')
  @ApiOkResponse({ schema: { type: 'string', format: 'binary' } })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  async download(@Param('id') id: string, @Query() query: DownloadExportQueryDto): Promise<StreamableFile> {
    const file = await this.exports.download(id, query.split);
    return new StreamableFile(file.stream, {
      type: file.contentType,
      disposition: file.disposition,
      length: file.length,
    });
  }

  @Get('api/exports/:id/card')
  @Header('Content-Type', 'text/markdown; charset=utf-8')
  @ApiOperation({ summary: 'The dataset card (Markdown with Hugging Face YAML front matter)' })
  @ApiProduces('text/markdown')
  @ApiOkResponse({ schema: { type: 'string' } })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  card(@Param('id') id: string): Promise<string> {
    return this.exports.card(id);
  }
}
