import { Injectable, inject } from '@angular/core';
import { type Observable, map } from 'rxjs';

import { ApiConfiguration } from '../../api/api-configuration';
import type { JobsStream$Params } from '../../api/fn/jobs/jobs-stream';
import { RequestBuilder } from '../../api/request-builder';

import type {
  BulkReviewRequestDto,
  BulkReviewResponseDto,
  CostsResponseDto,
  CreateExportRequestDto,
  CreateJobRequestDto,
  ExamplePageResponseDto,
  ExampleResponseDto,
  ExportFileResponseDto,
  ExportListResponseDto,
  ExportPageResponseDto,
  ExportResponseDto,
  JobEstimateResponseDto,
  JobFunnelResponseDto,
  JobLogPageResponseDto,
  JobPageResponseDto,
  PagePageResponseDto,
  JobResponseDto,
  LogLevel,
  ProjectPageResponseDto,
  ProjectResponseDto,
  PutScheduleRequestDto,
  ScheduleResponseDto,
  QualityReportResponseDto,
  ReviewExampleRequestDto,
  SettingsResponseDto,
  StatsOverviewResponseDto,
  TemplateSummaryDto,
  UpdateSettingsRequestDto,
} from '../../api/models';
import {
  ExportsService,
  JobsService,
  ProjectsService,
  SchedulesService,
  QualityService,
  SettingsService,
  StatsService,
  TemplatesService,
} from '../../api/services';
import { ApiTokenService } from '../auth/api-token';

export type QualityCheck = 'format' | 'readability' | 'duplicates' | 'toxicity' | 'judge' | 'grounded';
export const QUALITY_CHECKS: readonly QualityCheck[] = [
  'format',
  'readability',
  'duplicates',
  'toxicity',
  'judge',
  'grounded',
];

/** A person's decision on an example (the API's `review`). */
export type ReviewState = ReviewExampleRequestDto['review'];
export const REVIEW_STATES: readonly ReviewState[] = ['unreviewed', 'accepted', 'rejected', 'edited'];

/**
 * The dashboard's one entry point to the REST API: a thin facade over the
 * generated client (apps/dashboard/src/app/api, regenerated from
 * openapi/openapi.json by `npm run api-client`), whose models type every
 * answer. Only what a browser fetches by itself (the job stream, download
 * links) is a URL rather than a request.
 */
/** A page's fetch or extraction state. */
export type PageState = 'pending' | 'ok' | 'failed' | 'skipped';

@Injectable({ providedIn: 'root' })
export class DataApi {
  private readonly projectsApi = inject(ProjectsService);
  private readonly schedulesApi = inject(SchedulesService);
  private readonly jobsApi = inject(JobsService);
  private readonly qualityApi = inject(QualityService);
  private readonly statsApi = inject(StatsService);
  private readonly exportsApi = inject(ExportsService);
  private readonly settingsApi = inject(SettingsService);
  private readonly templatesApi = inject(TemplatesService);
  private readonly config = inject(ApiConfiguration);
  private readonly tokens = inject(ApiTokenService);

  listProjects(page = 1, pageSize = 100): Observable<ProjectPageResponseDto> {
    return this.projectsApi.projectsList({ page, pageSize });
  }
  getProject(id: string): Observable<ProjectResponseDto> {
    return this.projectsApi.projectsGet({ id });
  }
  createProject(name: string, description: string | null): Observable<ProjectResponseDto> {
    return this.projectsApi.projectsCreate({ body: { name, ...(description ? { description } : {}) } });
  }
  renameProject(id: string, name: string): Observable<ProjectResponseDto> {
    return this.projectsApi.projectsUpdate({ id, body: { name } });
  }
  deleteProject(id: string): Observable<void> {
    return this.projectsApi.projectsRemove({ id });
  }

  listJobs(projectId: string, page = 1, pageSize = 50): Observable<JobPageResponseDto> {
    return this.jobsApi.projectJobsList({ id: projectId, page, pageSize });
  }
  startJob(projectId: string, body: CreateJobRequestDto): Observable<JobResponseDto> {
    return this.jobsApi.projectJobsCreate$Json({ id: projectId, body });
  }
  /** A job with files (multipart/form-data): they enter the pipeline at the refiner; URLs are optional. */
  startJobWithFiles(projectId: string, body: CreateJobRequestDto, files: File[]): Observable<JobResponseDto> {
    return this.jobsApi.projectJobsCreate$FormData({
      id: projectId,
      body: {
        files,
        ...(body.urls?.length ? { urls: JSON.stringify(body.urls) } : {}),
        ...(body.config ? { config: JSON.stringify(body.config) } : {}),
      },
    });
  }
  /** The project's schedule; a 404 when it has none. */
  getSchedule(projectId: string): Observable<ScheduleResponseDto> {
    return this.schedulesApi.schedulesGet({ id: projectId });
  }
  putSchedule(projectId: string, body: PutScheduleRequestDto): Observable<ScheduleResponseDto> {
    return this.schedulesApi.schedulesPut({ id: projectId, body });
  }
  removeSchedule(projectId: string): Observable<void> {
    return this.schedulesApi.schedulesRemove({ id: projectId });
  }
  /** Fetches and refines a sample of the URLs on the server: takes a few seconds. */
  estimateJob(body: CreateJobRequestDto): Observable<JobEstimateResponseDto> {
    return this.jobsApi.estimateEstimate({ body });
  }
  getJob(id: string): Observable<JobResponseDto> {
    return this.jobsApi.jobsGet({ id });
  }
  /** Where every row of the job went (computed from its stored rows). */
  jobFunnel(id: string): Observable<JobFunnelResponseDto> {
    return this.jobsApi.jobsFunnel({ id });
  }
  /** The job's pages with their fetch outcome and the extraction verdict, filtered by either state. */
  jobPages(
    id: string,
    filter: { fetch?: PageState; refine?: PageState; page?: number; pageSize?: number },
  ): Observable<PagePageResponseDto> {
    return this.jobsApi.pagesList({ id, pageSize: 20, ...filter });
  }
  cancelJob(id: string): Observable<JobResponseDto> {
    return this.jobsApi.jobsCancel({ id });
  }
  /** Starts a refresh of a completed job: a new job that fetches its pages again and regenerates what changed. */
  refreshJob(id: string): Observable<JobResponseDto> {
    return this.jobsApi.jobsRefresh({ id, body: {} });
  }
  jobLogs(id: string, level?: LogLevel, after?: number): Observable<JobLogPageResponseDto> {
    return this.jobsApi.jobsLogs({ id, level, after, pageSize: 200 });
  }
  /**
   * The SSE URL of a job (an EventSource cannot go through HttpClient), built by the generated client's
   * RequestBuilder from the operation's path; a reconnect that the browser cannot do itself passes the last log id.
   */
  streamUrl(id: JobsStream$Params['id'], lastEventId?: JobsStream$Params['lastEventId']): string {
    const rb = new RequestBuilder(this.config.rootUrl, JobsService.JobsStreamPath, 'get');
    rb.path('id', id, {});
    rb.query('lastEventId', lastEventId, {});
    return this.tokens.withToken(rb.build().urlWithParams);
  }

  overview(): Observable<StatsOverviewResponseDto> {
    return this.statsApi.statsOverview();
  }
  costs(days = 7): Observable<CostsResponseDto> {
    return this.statsApi.statsCosts({ days });
  }

  qualityReport(jobId: string): Observable<QualityReportResponseDto> {
    return this.qualityApi.qualityReport({ id: jobId });
  }
  examples(
    jobId: string,
    filter: { passed?: boolean; check?: QualityCheck; review?: ReviewState; page?: number; pageSize?: number },
  ): Observable<ExamplePageResponseDto> {
    return this.qualityApi.qualityExamples({ id: jobId, pageSize: 20, ...filter });
  }
  /** Accepts, rejects (with a reason), edits (with an output) or un-reviews one example. */
  reviewExample(id: string, body: ReviewExampleRequestDto): Observable<ExampleResponseDto> {
    return this.qualityApi.examplesReview({ id, body });
  }
  /** The same decision for every example of the job that matches the filter. */
  reviewMatching(jobId: string, body: BulkReviewRequestDto): Observable<BulkReviewResponseDto> {
    return this.qualityApi.qualityReviewMatching({ id: jobId, body });
  }

  listExports(page = 1, pageSize = 50): Observable<ExportPageResponseDto> {
    return this.exportsApi.exportsList({ page, pageSize });
  }
  jobExports(jobId: string): Observable<ExportListResponseDto> {
    return this.exportsApi.exportsListForJob({ id: jobId });
  }
  createExport(jobId: string, body: CreateExportRequestDto): Observable<ExportResponseDto> {
    return this.exportsApi.exportsCreate({ id: jobId, body });
  }
  /** A download link the browser follows by itself (an export's or one split's), with the API token when one is set. */
  downloadUrl(url: ExportResponseDto['downloadUrl'] | ExportFileResponseDto['downloadUrl']): string {
    return this.tokens.withToken(url);
  }
  exportCard(id: string): Observable<string> {
    return this.exportsApi.exportsCard({ id });
  }

  /** The generation templates this install has (built-in and DATA_DIR/templates), with description and sample. */
  templates(): Observable<TemplateSummaryDto[]> {
    return this.templatesApi.templatesList().pipe(map((list) => list.items));
  }
  settings(): Observable<SettingsResponseDto> {
    return this.settingsApi.settingsGet();
  }
  saveSettings(body: UpdateSettingsRequestDto): Observable<SettingsResponseDto> {
    return this.settingsApi.settingsUpdate({ body });
  }
}
