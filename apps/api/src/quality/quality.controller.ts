import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { ExamplePageResponseDto, ExampleQueryDto, QualityReportResponseDto } from './quality.dto.js';
import { QualityService } from './quality.service.js';

@ApiTags('quality')
@ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No job with this id.' })
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
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'A bad query parameter.' })
  examples(@Param('id') id: string, @Query() query: ExampleQueryDto): Promise<ExamplePageResponseDto> {
    return this.quality.examples(id, query);
  }
}
