import { EntityManager } from '@mikro-orm/core';
import { Injectable, NotFoundException } from '@nestjs/common';
import { isUuid } from '@datafactory/contracts';
import { findInspectedExamples, loadQualityReport } from '@datafactory/inspector';
import { Job, type TrainingExample } from '@datafactory/persistence';
import type {
  ExamplePageResponseDto,
  ExampleQueryDto,
  ExampleResponseDto,
  QualityReportResponseDto,
} from './quality.dto.js';

@Injectable()
export class QualityService {
  constructor(private readonly em: EntityManager) {}

  async report(jobId: string): Promise<QualityReportResponseDto> {
    await this.ensureJob(jobId);
    return { jobId, ...(await loadQualityReport(this.em, jobId)) };
  }

  async examples(jobId: string, query: ExampleQueryDto): Promise<ExamplePageResponseDto> {
    await this.ensureJob(jobId);
    const { items, total } = await findInspectedExamples(this.em, jobId, query);
    return { items: items.map(toResponse), total, page: query.page, pageSize: query.pageSize };
  }

  private async ensureJob(id: string): Promise<void> {
    const found = isUuid(id) ? await this.em.fork().count(Job, { id }) : 0;
    if (!found) throw new NotFoundException(`job ${id} not found`);
  }
}

function toResponse(e: TrainingExample): ExampleResponseDto {
  return {
    id: e.id,
    chunkId: e.chunk.id,
    templateType: e.templateType,
    inputText: e.inputText,
    outputText: e.outputText,
    modelUsed: e.modelUsed,
    status: e.status,
    tokenCount: e.tokenCount,
    // Doubles may come back as strings from PostgreSQL.
    cost: e.cost == null ? null : Number(e.cost),
    qualityScore: e.qualityScore == null ? null : Number(e.qualityScore),
    passedQc: e.passedQc ?? null,
    qualityDetails: (e.qualityDetails as Record<string, unknown> | null) ?? null,
    createdAt: e.createdAt.toISOString(),
  };
}
