import { EntityManager } from '@mikro-orm/core';
import { Controller, Get, Injectable, Module, NotFoundException, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { isUuid } from '@datafactory/contracts';
import { Job, PageReadRepository } from '@datafactory/persistence';
import { ApiError, ApiErrors, ApiTokenRequired } from '../common/api-responses.js';
import { PageListQueryDto, PagePageResponseDto } from './pages.dto.js';

@Injectable()
export class PagesService {
  constructor(private readonly em: EntityManager) {}

  async list(jobId: string, query: PageListQueryDto): Promise<PagePageResponseDto> {
    const em = this.em.fork();
    if (!isUuid(jobId) || !(await em.count(Job, { id: jobId }))) throw new NotFoundException(`job ${jobId} not found`);
    const { items, total } = await new PageReadRepository(em).list(jobId, query);
    return {
      items: items.map((p) => ({ ...p, fetchedAt: p.fetchedAt?.toISOString() ?? null })),
      total,
      page: query.page,
      pageSize: query.pageSize,
    };
  }
}

@ApiTags('jobs')
@ApiTokenRequired()
@ApiError(400, 'A bad id or query parameter.')
@ApiError(404, 'No job with this id.')
@ApiErrors(429)
@Controller('api/jobs')
export class PagesController {
  constructor(private readonly pages: PagesService) {}

  @Get(':id/pages')
  @ApiOperation({
    summary: "A job's pages with their fetch outcome and the refiner's extraction verdict",
    description:
      'One row per stored document, in the order they were stored: fetch status and reason, HTTP status, ' +
      'extraction status and reason (e.g. low_quality_extraction), the extraction quality signals and the ' +
      'number of chunks. Filter with `fetch` and `refine`.',
  })
  @ApiOkResponse({ type: PagePageResponseDto })
  list(@Param('id') id: string, @Query() query: PageListQueryDto): Promise<PagePageResponseDto> {
    return this.pages.list(id, query);
  }
}

@Module({ controllers: [PagesController], providers: [PagesService] })
export class PagesModule {}
