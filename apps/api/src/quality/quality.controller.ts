import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiError, ApiErrors, ApiTokenRequired } from '../common/api-responses.js';
import { ExamplePageResponseDto, ExampleQueryDto, QualityReportResponseDto } from './quality.dto.js';
import { QualityService } from './quality.service.js';

@ApiTags('quality')
@ApiTokenRequired()
@ApiError(400, 'A bad id or query parameter.')
@ApiError(404, 'No job with this id.')
@ApiErrors(429)
@Controller('api/jobs')
export class QualityController {
  constructor(private readonly quality: QualityService) {}

  @Get(':id/quality')
  @ApiOperation({ summary: "A job's quality report: pass rate, failures per check and reason, score histogram" })
  @ApiOkResponse({ type: QualityReportResponseDto })
  report(@Param('id') id: string): Promise<QualityReportResponseDto> {
    return this.quality.report(id);
  }

  @Get(':id/examples')
  @ApiOperation({ summary: "Browse a job's inspected examples with their scores and reasons" })
  @ApiOkResponse({ type: ExamplePageResponseDto })
  examples(@Param('id') id: string, @Query() query: ExampleQueryDto): Promise<ExamplePageResponseDto> {
    return this.quality.examples(id, query);
  }
}
