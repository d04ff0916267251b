import { SkipThrottle } from '@nestjs/throttler';
import { Body, Controller, Get, Headers, HttpCode, HttpStatus, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiError, ApiErrors, ApiTokenRequired } from '../common/api-responses.js';
import { AllowQueryToken } from '../common/auth.decorators.js';
import { PageQueryDto } from '../common/paging.dto.js';
import { parseLastEventId } from '../events/sse.js';
import {
  CreateJobRequestDto,
  JobLogPageResponseDto,
  JobLogsQueryDto,
  JobPageResponseDto,
  JobResponseDto,
  RefreshJobRequestDto,
} from './job.dto.js';
import { JobFunnelResponseDto } from './funnel.dto.js';
import { JobStreamService } from './job-stream.service.js';
import { JobsApiService } from './jobs-api.service.js';

@ApiTags('jobs')
@ApiTokenRequired()
@ApiError(400, 'A bad field; one message per problem.')
@ApiError(404, 'No such project.')
@ApiErrors(429)
@Controller('api/projects/:id/jobs')
export class ProjectJobsController {
  constructor(private readonly jobs: JobsApiService) {}

  @Post()
  @ApiOperation({
    summary: 'Start a job',
    description:
      'Validates every URL and config field (the 400 lists each bad URL with its index and each bad config ' +
      'field by name), stores the job as `running` and dispatches its URLs to the crawler.',
  })
  @ApiCreatedResponse({ type: JobResponseDto, description: 'The job, running.' })
  @ApiErrors(413, 503)
  create(@Param('id') projectId: string, @Body() body: CreateJobRequestDto): Promise<JobResponseDto> {
    return this.jobs.create(projectId, body);
  }

  @Get()
  @ApiOperation({ summary: "List a project's jobs, newest first" })
  @ApiOkResponse({ type: JobPageResponseDto })
  list(@Param('id') projectId: string, @Query() query: PageQueryDto): Promise<JobPageResponseDto> {
    return this.jobs.list(projectId, query.page, query.pageSize);
  }
}

@ApiTags('jobs')
@ApiTokenRequired()
@ApiErrors(400)
@ApiError(404, 'No such job.')
@Controller('api/jobs/:id')
export class JobsController {
  constructor(
    private readonly jobs: JobsApiService,
    private readonly streams: JobStreamService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Get a job: status, stage, per-stage counters, cost, timings, error' })
  @ApiOkResponse({ type: JobResponseDto })
  @ApiErrors(429)
  get(@Param('id') id: string): Promise<JobResponseDto> {
    return this.jobs.get(id);
  }

  @Get('funnel')
  @ApiOperation({
    summary: 'Where every row of a job went',
    description:
      'The funnel, computed from the stored rows (not from the progress counters): URLs → fetched / skipped / ' +
      'failed → pages with text / no text / failed → chunks → originals / exact / near duplicates → examples ' +
      'asked (original chunks × examples per chunk) → generated ok / failed → passed / rejected → exported. ' +
      'Every drop carries reason codes with counts; each stage says whether its input equals the sum of its ' +
      'outcomes. A route of its own, not part of `GET /api/jobs/{id}`: it reads every table of the job, and ' +
      'the job itself is polled often.',
  })
  @ApiOkResponse({ type: JobFunnelResponseDto })
  @ApiErrors(429)
  funnel(@Param('id') id: string): Promise<JobFunnelResponseDto> {
    return this.jobs.funnel(id);
  }

  @Post('cancel')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Cancel a job',
    description:
      'Stops dispatch and aborts in-flight work; finished items are kept. Cancelling a job that is already ' +
      'final changes nothing and answers with the job as it is.',
  })
  @ApiOkResponse({ type: JobResponseDto, description: 'The job, cancelled (or as it was, when already final).' })
  @ApiErrors(429)
  cancel(@Param('id') id: string): Promise<JobResponseDto> {
    return this.jobs.cancel(id);
  }

  @Post('refresh')
  @ApiOperation({
    summary: 'Refresh a completed job',
    description:
      'Starts a new job (`refreshOf` = this one) with the same config that fetches every page of this job ' +
      'again with conditional requests (If-None-Match / If-Modified-Since from the stored ETag and ' +
      'Last-Modified), and in site mode the sitemaps and links too. Only new or changed chunks are generated ' +
      'and inspected; the examples of unchanged chunks are carried over; pages gone (404, 410) drop theirs. ' +
      'Its export is a new dataset version whose card lists the pages added, changed and removed.',
  })
  @ApiCreatedResponse({ type: JobResponseDto, description: 'The refresh job, running.' })
  @ApiError(409, 'The job has not completed (pending, running, failed or cancelled).')
  @ApiErrors(413, 429, 503)
  refresh(@Param('id') id: string, @Body() body: RefreshJobRequestDto): Promise<JobResponseDto> {
    return this.jobs.refresh(id, body);
  }

  @Get('logs')
  @ApiOperation({
    summary: "A job's log lines, oldest first",
    description: '`level` is a minimum (`warn` gives warn and error); `after` is an id cursor.',
  })
  @ApiOkResponse({ type: JobLogPageResponseDto })
  @ApiErrors(429)
  logs(@Param('id') id: string, @Query() query: JobLogsQueryDto): Promise<JobLogPageResponseDto> {
    return this.jobs.logs(id, query);
  }

  @SkipThrottle()
  @AllowQueryToken()
  @Get('stream')
  @ApiOperation({
    summary: "A job's live events (Server-Sent Events)",
    description:
      'On connect: the current state as a `stage` and a `progress` event, then stored log lines (those after ' +
      'Last-Event-ID, else the latest 200), then live `progress`, `stage` and `log` events; a `: heartbeat` ' +
      'comment every 15 s; a `done` event and the end of the stream once the job is final (clients close ' +
      'their EventSource on `done`). Each event is `event: <type>` and `data: <JSON>`; `log` events carry ' +
      '`id: <log id>`, so a reconnecting EventSource gets exactly the lines it missed.',
  })
  @ApiProduces('text/event-stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'The id of the last log event received.' })
  @ApiQuery({
    name: 'lastEventId',
    required: false,
    type: Number,
    description: 'Same as the Last-Event-ID header (for clients that cannot set headers).',
  })
  @ApiOkResponse({ description: 'An event stream.', content: { 'text/event-stream': { schema: { type: 'string' } } } })
  stream(
    @Param('id') id: string,
    @Headers('last-event-id') lastEventIdHeader: string | undefined,
    @Query('lastEventId') lastEventIdQuery: string | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    return this.streams.open(id, parseLastEventId(lastEventIdHeader ?? lastEventIdQuery), req, res);
  }
}
