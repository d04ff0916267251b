import { Body, Controller, Get, HttpCode, HttpStatus, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiError, ApiErrors, ApiTokenRequired } from '../common/api-responses.js';
import {
  BulkReviewRequestDto,
  BulkReviewResponseDto,
  ExamplePageResponseDto,
  ExampleQueryDto,
  ExampleResponseDto,
  QualityReportResponseDto,
  ReviewExampleRequestDto,
} from './quality.dto.js';
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
  @ApiOperation({ summary: "Browse a job's inspected examples with their scores, reasons and reviews" })
  @ApiOkResponse({ type: ExamplePageResponseDto })
  examples(@Param('id') id: string, @Query() query: ExampleQueryDto): Promise<ExamplePageResponseDto> {
    return this.quality.examples(id, query);
  }

  @Post(':id/examples/review')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Review every example of a job that matches a filter',
    description:
      'Accepts, rejects (with a reason) or un-reviews every example of the job matching all the conditions of ' +
      '`filter` (a failed check, the quality verdict, the current review state), e.g. ' +
      '`{"review": "rejected", "reason": "not grounded", "filter": {"check": "grounded"}}`. Edits are one at a time.',
  })
  @ApiOkResponse({ type: BulkReviewResponseDto })
  @ApiErrors(413)
  reviewMatching(@Param('id') id: string, @Body() body: BulkReviewRequestDto): Promise<BulkReviewResponseDto> {
    return this.quality.reviewMatching(id, body);
  }
}

@ApiTags('quality')
@ApiTokenRequired()
@ApiError(400, 'A bad field: the review, a reject without a reason, an edit without an output.')
@ApiError(404, 'No example with this id.')
@ApiErrors(429)
@Controller('api/examples')
export class ExamplesController {
  constructor(private readonly quality: QualityService) {}

  @Patch(':id')
  @ApiOperation({
    summary: "Review one example: accept, reject (with a reason), edit (the reviewer's output) or undo",
    description:
      "An edit keeps the generated output (`outputText`) and stores the reviewer's beside it (`editedOutput`); " +
      "both are recorded in the example's lineage. The next export honours the decision: rejected examples are " +
      "never exported, edited ones are exported with the reviewer's output.",
  })
  @ApiOkResponse({ type: ExampleResponseDto, description: 'The example with its review.' })
  @ApiErrors(413)
  review(@Param('id') id: string, @Body() body: ReviewExampleRequestDto): Promise<ExampleResponseDto> {
    return this.quality.review(id, body);
  }
}
