import { EntityManager } from '@mikro-orm/core';
import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Injectable,
  Module,
  NotFoundException,
  Param,
  Put,
} from '@nestjs/common';
import {
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsString, MaxLength } from 'class-validator';
import { CronExpressionParser } from 'cron-parser';
import {
  isUuid,
  type ProjectSchedule,
  QueueName,
  SCHEDULE_ACTIONS,
  type ScheduleAction,
  scheduleId,
} from '@datafactory/contracts';
import { Project } from '@datafactory/persistence';
import { Dispatcher, JobInputError, SchedulesUnavailableError, validateUrls } from '@datafactory/pipeline';
import { ApiError, ApiErrors, ApiTokenRequired } from '../common/api-responses.js';
import { IsOptionalNotNull } from '../common/optional.js';

export class PutScheduleRequestDto {
  @ApiProperty({
    example: '0 3 * * 1',
    maxLength: 200,
    description: 'A cron expression: 5 fields (minute hour day month weekday), or 6 with seconds first.',
  })
  @IsString()
  @MaxLength(200)
  cron!: string;

  @ApiPropertyOptional({ example: 'Europe/Berlin', default: 'UTC', maxLength: 100, description: 'An IANA time zone.' })
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(100)
  timezone?: string;

  @ApiProperty({
    enum: SCHEDULE_ACTIONS,
    enumName: 'ScheduleAction',
    description: "`refresh`: refresh the project's latest completed job; `new_job`: a new job of `urls`.",
  })
  @IsIn(SCHEDULE_ACTIONS)
  action!: ScheduleAction;

  @ApiPropertyOptional({ type: [String], description: 'For `new_job`: the URLs each job starts with.' })
  @IsOptionalNotNull()
  @IsArray()
  @ArrayMaxSize(10_000)
  @IsString({ each: true })
  urls?: string[];
}

export class ScheduleResponseDto {
  @ApiProperty({ format: 'uuid' }) projectId!: string;
  @ApiProperty() cron!: string;
  @ApiProperty() timezone!: string;
  @ApiProperty({ enum: SCHEDULE_ACTIONS, enumName: 'ScheduleAction' }) action!: string;
  @ApiProperty({ type: [String] }) urls!: string[];
  @ApiProperty({ format: 'date-time', type: String, nullable: true, description: 'The next tick.' })
  nextRunAt!: string | null;
  @ApiProperty({ format: 'date-time', type: String, nullable: true }) lastRunAt!: string | null;
  @ApiProperty({ format: 'uuid', type: String, nullable: true, description: 'The job the last tick started.' })
  lastJobId!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Why the last tick started nothing.' })
  lastError!: string | null;
}

@Injectable()
export class SchedulesService {
  constructor(
    private readonly em: EntityManager,
    private readonly dispatcher: Dispatcher,
  ) {}

  async get(projectId: string): Promise<ScheduleResponseDto> {
    const project = await this.project(projectId);
    if (!project.schedule) throw new NotFoundException(`project ${projectId} has no schedule`);
    return this.toResponse(projectId, project.schedule);
  }

  async put(projectId: string, body: PutScheduleRequestDto): Promise<ScheduleResponseDto> {
    const em = this.em.fork();
    const project = await this.project(projectId, em);
    const timezone = body.timezone ?? 'UTC';
    checkCron(body.cron, timezone);
    let urls: string[] = [];
    if (body.action === 'new_job') {
      try {
        urls = validateUrls(body.urls);
      } catch (e) {
        if (e instanceof JobInputError) throw new BadRequestException(e.message);
        throw e;
      }
    } else if (body.urls?.length) {
      throw new BadRequestException(
        'urls is only for action new_job (a refresh fetches the pages of the job it refreshes)',
      );
    }
    const schedule: ProjectSchedule = { cron: body.cron.trim(), timezone, action: body.action, urls };
    try {
      await this.dispatcher.upsertSchedule(QueueName.Schedule, scheduleId(projectId), schedule.cron, timezone, {
        projectId,
      });
    } catch (e) {
      if (e instanceof SchedulesUnavailableError) throw new BadRequestException(e.message);
      throw e;
    }
    project.schedule = schedule;
    await em.flush();
    return this.toResponse(projectId, schedule);
  }

  async remove(projectId: string): Promise<void> {
    const em = this.em.fork();
    const project = await this.project(projectId, em);
    if (!project.schedule) throw new NotFoundException(`project ${projectId} has no schedule`);
    try {
      await this.dispatcher.removeSchedule(QueueName.Schedule, scheduleId(projectId));
    } catch (e) {
      if (!(e instanceof SchedulesUnavailableError)) throw e;
    }
    project.schedule = null;
    await em.flush();
  }

  private async project(id: string, em: EntityManager = this.em.fork()): Promise<Project> {
    const project = isUuid(id) ? await em.findOne(Project, { id }) : null;
    if (!project) throw new NotFoundException(`project ${id} not found`);
    return project;
  }

  private async toResponse(projectId: string, s: ProjectSchedule): Promise<ScheduleResponseDto> {
    const next = await this.dispatcher.nextScheduled(QueueName.Schedule, scheduleId(projectId)).catch(() => null);
    return {
      projectId,
      cron: s.cron,
      timezone: s.timezone,
      action: s.action,
      urls: s.urls ?? [],
      nextRunAt: next ? new Date(next).toISOString() : null,
      lastRunAt: s.lastRunAt ?? null,
      lastJobId: s.lastJobId ?? null,
      lastError: s.lastError ?? null,
    };
  }
}

/** A cron expression cron-parser (BullMQ's) reads in a time zone Intl knows; otherwise a 400 naming the field. */
function checkCron(cron: string, timezone: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    throw new BadRequestException(
      `timezone ${JSON.stringify(timezone)} is not an IANA time zone (e.g. Europe/Berlin, UTC)`,
    );
  }
  const fields = cron.trim().split(/\s+/).length;
  if (fields < 5 || fields > 6) {
    throw new BadRequestException(
      `cron must have 5 fields (minute hour day month weekday) or 6 (seconds first), not ${fields}`,
    );
  }
  try {
    CronExpressionParser.parse(cron.trim(), { tz: timezone }).next();
  } catch (e) {
    throw new BadRequestException(
      `cron ${JSON.stringify(cron)} is not a valid cron expression: ${(e as Error).message}`,
    );
  }
}

@ApiTags('schedules')
@ApiTokenRequired()
@ApiErrors(400, 429)
@ApiError(404, 'No such project, or it has no schedule.')
@Controller('api/projects/:id/schedule')
export class SchedulesController {
  constructor(private readonly schedules: SchedulesService) {}

  @Get()
  @ApiOperation({ summary: "The project's schedule, its next tick and the last tick's outcome" })
  @ApiOkResponse({ type: ScheduleResponseDto })
  get(@Param('id') id: string): Promise<ScheduleResponseDto> {
    return this.schedules.get(id);
  }

  @Put()
  @ApiOperation({
    summary: 'Set the project\u2019s schedule (cron, time zone): each tick starts a refresh or a new job',
    description:
      'BullMQ job schedulers fire it exactly once per tick however many API and worker processes run. ' +
      'Needs Redis (the distributed mode): with in-memory queues it is a 400.',
  })
  @ApiOkResponse({ type: ScheduleResponseDto })
  @ApiErrors(413)
  put(@Param('id') id: string, @Body() body: PutScheduleRequestDto): Promise<ScheduleResponseDto> {
    return this.schedules.put(id, body);
  }

  @Delete()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: "Remove the project's schedule" })
  @ApiNoContentResponse({ description: 'Removed; no body.' })
  remove(@Param('id') id: string): Promise<void> {
    return this.schedules.remove(id);
  }
}

@Module({ controllers: [SchedulesController], providers: [SchedulesService] })
export class SchedulesModule {}
