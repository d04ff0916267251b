import { SkipThrottle } from '@nestjs/throttler';
import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../common/auth.decorators.js';
import { HealthResponseDto } from './health.dto.js';
import { HealthService } from './health.service.js';

@ApiTags('health')
@Public()
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @ApiOperation({ summary: 'State of the database, Redis and the workers' })
  @ApiOkResponse({ type: HealthResponseDto, description: 'Everything is up.' })
  @ApiServiceUnavailableResponse({ type: HealthResponseDto, description: 'Something is down; `down` names it.' })
  async get(@Res({ passthrough: true }) res: Response): Promise<HealthResponseDto> {
    const report = await this.health.report();
    res.status(report.status === 'ok' ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return report;
  }
}
