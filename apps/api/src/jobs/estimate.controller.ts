import { Body, Controller, HttpCode, HttpStatus, Inject, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { APP_CONFIG, type AppConfig } from '@datafactory/config';
import { estimateJob } from '@datafactory/pipeline';
import { ApiError, ApiErrors, ApiTokenRequired } from '../common/api-responses.js';
import { JobEstimateResponseDto } from './estimate.dto.js';
import { CreateJobRequestDto } from './job.dto.js';

@ApiTags('jobs')
@ApiTokenRequired()
@Controller('api/jobs/estimate')
export class EstimateController {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  @Post()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Estimate a job before starting it',
    description:
      'Fetches and refines up to 5 of the URLs with the job config, counts the tokens of their chunks in the ' +
      "template's prompts and extrapolates chunks, LLM calls, tokens and cost to the whole list, as a range.",
  })
  @ApiOkResponse({ type: JobEstimateResponseDto })
  @ApiError(400, 'Bad URLs or config fields, or no sampled URL could be fetched.')
  @ApiErrors(413, 429)
  async estimate(@Body() body: CreateJobRequestDto, @Req() req: Request): Promise<JobEstimateResponseDto> {
    // The estimate fetches pages: when the client goes away, the fetching stops with it.
    const gone = new AbortController();
    const onClose = () => gone.abort(new Error('the client went away'));
    req.socket.once('close', onClose);
    try {
      return (await estimateJob(
        this.config,
        { urls: body.urls, config: body.config },
        { signal: gone.signal },
      )) as JobEstimateResponseDto;
    } finally {
      req.socket.off('close', onClose);
    }
  }
}
