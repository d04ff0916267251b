import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { CostsQueryDto, CostsResponseDto, StatsOverviewResponseDto } from './stats.dto.js';
import { StatsService } from './stats.service.js';

@ApiTags('stats')
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
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  @ApiOkResponse({ type: CostsResponseDto })
  costs(@Query() query: CostsQueryDto): Promise<CostsResponseDto> {
    return this.stats.costs(query.days);
  }
}
