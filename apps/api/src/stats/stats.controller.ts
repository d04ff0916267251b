import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiTokenRequired } from '../common/api-responses.js';
import { CostsQueryDto, CostsResponseDto, StatsOverviewResponseDto } from './stats.dto.js';
import { StatsService } from './stats.service.js';

@ApiTags('stats')
@ApiTokenRequired()
@ApiErrors(429)
@Controller('api/stats')
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  @Get('overview')
  @ApiOperation({ summary: 'Totals: jobs, active jobs, examples generated, cost' })
  @ApiOkResponse({ type: StatsOverviewResponseDto })
  overview(): Promise<StatsOverviewResponseDto> {
    return this.stats.overview();
  }

  @Get('costs')
  @ApiOperation({ summary: 'Cost per UTC day and per model over the last `days` days (1 to 90)' })
  @ApiErrors(400)
  @ApiOkResponse({ type: CostsResponseDto })
  costs(@Query() query: CostsQueryDto): Promise<CostsResponseDto> {
    return this.stats.costs(query.days);
  }
}
