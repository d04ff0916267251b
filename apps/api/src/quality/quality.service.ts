import { EntityManager } from '@mikro-orm/core';
import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { isUuid } from '@datafactory/contracts';
import { findInspectedExamples, loadQualityReport } from '@datafactory/inspector';
import { Job, ReviewDecisionError, ReviewRepository, type TrainingExample } from '@datafactory/persistence';
import type {
  BulkReviewRequestDto,
  BulkReviewResponseDto,
  ExamplePageResponseDto,
  ExampleQueryDto,
  ExampleResponseDto,
  QualityReportResponseDto,
  ReviewExampleRequestDto,
} from './quality.dto.js';

@Injectable()
export class QualityService {
  constructor(private readonly em: EntityManager) {}

  async report(jobId: string): Promise<QualityReportResponseDto> {
    await this.ensureJob(jobId);
    const [report, review] = await Promise.all([
      loadQualityReport(this.em, jobId),
      new ReviewRepository(this.em.fork()).counts(jobId),
    ]);
    return { jobId, ...report, review };
  }

  async examples(jobId: string, query: ExampleQueryDto): Promise<ExamplePageResponseDto> {
    await this.ensureJob(jobId);
    const { items, total } = await findInspectedExamples(this.em, jobId, query);
    return { items: items.map(toResponse), total, page: query.page, pageSize: query.pageSize };
  }

  /** One example's review: accepted, rejected with a reason, edited with an output, or undone. */
  async review(id: string, dto: ReviewExampleRequestDto): Promise<ExampleResponseDto> {
    if (!isUuid(id)) throw new NotFoundException(`example ${id} not found`);
    const example = await this.decide(() => new ReviewRepository(this.em).review(id, dto));
    if (!example) throw new NotFoundException(`example ${id} not found`);
    return toResponse(example);
  }

  /** The same decision for every example of the job that matches the filter. */
  async reviewMatching(jobId: string, dto: BulkReviewRequestDto): Promise<BulkReviewResponseDto> {
    await this.ensureJob(jobId);
    return this.decide(() =>
      new ReviewRepository(this.em).reviewMatching(jobId, dto.filter ?? {}, { review: dto.review, reason: dto.reason }),
    );
  }

  private async decide<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      if (e instanceof ReviewDecisionError) throw new BadRequestException({ message: [e.message] });
      throw e;
    }
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
    review: e.reviewState,
    reviewReason: e.reviewReason ?? null,
    editedOutput: e.editedOutput ?? null,
    reviewedAt: e.reviewedAt ? e.reviewedAt.toISOString() : null,
    createdAt: e.createdAt.toISOString(),
  };
}
