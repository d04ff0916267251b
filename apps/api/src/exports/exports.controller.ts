import { Body, Controller, Get, Header, HttpCode, Param, Post, Query, StreamableFile } from '@nestjs/common';
import { ApiCreatedResponse, ApiExtraModels, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ApiError, ApiErrors, ApiTokenRequired } from '../common/api-responses.js';
import { AllowQueryToken } from '../common/auth.decorators.js';
import { PageQueryDto } from '../common/paging.dto.js';
import {
  CreateExportRequestDto,
  DownloadExportQueryDto,
  ExportListResponseDto,
  ExportPageResponseDto,
  ExportResponseDto,
  PublishExportRequestDto,
  PublishExportResponseDto,
  SplitRatiosDto,
} from './export.dto.js';
import { ExportsService } from './exports.service.js';

@ApiTags('exports')
@ApiExtraModels(SplitRatiosDto)
@ApiTokenRequired()
@ApiErrors(400, 429)
@Controller()
export class ExportsController {
  constructor(private readonly exports: ExportsService) {}

  @Get('api/jobs/:id/exports')
  @ApiOperation({ summary: "A job's exports, newest first" })
  @ApiOkResponse({ type: ExportListResponseDto })
  @ApiError(404, 'No such job.')
  async listForJob(@Param('id') id: string): Promise<ExportListResponseDto> {
    return { items: await this.exports.listForJob(id) };
  }

  @Post('api/jobs/:id/exports')
  @ApiOperation({ summary: 'Export a finished job as a new version (format, split, include_failed, license)' })
  @ApiCreatedResponse({ type: ExportResponseDto, description: 'The new export version.' })
  @ApiError(404, 'No such job.')
  @ApiError(409, 'The job has not finished.')
  @ApiErrors(413)
  create(@Param('id') id: string, @Body() body: CreateExportRequestDto): Promise<ExportResponseDto> {
    return this.exports.create(id, body);
  }

  @Get('api/exports')
  @ApiOperation({ summary: 'Every export, newest first (the download center)' })
  @ApiOkResponse({ type: ExportPageResponseDto })
  list(@Query() query: PageQueryDto): Promise<ExportPageResponseDto> {
    return this.exports.list(query.page, query.pageSize);
  }

  @AllowQueryToken()
  @Get('api/exports/:id/download')
  @ApiOperation({ summary: 'Download the data file of an export (streamed)' })
  @ApiProduces('application/jsonl', 'application/json', 'text/csv', 'application/vnd.apache.parquet')
  @ApiOkResponse({ schema: { type: 'string', format: 'binary' }, description: 'The file, as an attachment.' })
  @ApiError(404, 'No such export, no such split, or its file is gone.')
  async download(@Param('id') id: string, @Query() query: DownloadExportQueryDto): Promise<StreamableFile> {
    const file = await this.exports.download(id, query.split);
    return new StreamableFile(file.stream, {
      type: file.contentType,
      disposition: file.disposition,
      length: file.length,
    });
  }

  @Post('api/exports/:id/publish')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Publish the export to the Hugging Face Hub (repo "namespace/name", private), with HF_TOKEN or the saved token',
  })
  @ApiOkResponse({ type: PublishExportResponseDto, description: 'The commit made on the Hub.' })
  @ApiError(400, 'A bad field (repo, private, update), or no Hugging Face token (HF_TOKEN) is configured.')
  @ApiError(403, 'The Hub refused the token, or it may not write to the repository.')
  @ApiError(404, 'No such export, or its files are gone.')
  @ApiError(409, 'The repository exists and update was not set.')
  @ApiError(502, 'The Hub failed or could not be reached.')
  @ApiErrors(413)
  publish(@Param('id') id: string, @Body() body: PublishExportRequestDto): Promise<PublishExportResponseDto> {
    return this.exports.publish(id, body);
  }

  @Get('api/exports/:id/card')
  @Header('Content-Type', 'text/markdown; charset=utf-8')
  @ApiOperation({ summary: 'The dataset card (Markdown with Hugging Face YAML front matter)' })
  @ApiProduces('text/markdown')
  @ApiOkResponse({ schema: { type: 'string' }, description: 'The dataset card.' })
  @ApiError(404, 'No such export, or it has no dataset card.')
  card(@Param('id') id: string): Promise<string> {
    return this.exports.card(id);
  }
}
