import { FailureCode, type FetchError } from './errors.js';
import type { Task } from './frontier.js';
import type { ScrapingConfig } from './scraping-config.js';
import type { CrawledDocument } from './types.js';

type DocumentConfig = Pick<ScrapingConfig, 'respect_robots_txt' | 'allow_private_networks'>;

/** What every document of a task says: where it came from, the attempts, the crawl's settings. */
export function docBase(task: Task, config: DocumentConfig) {
  return {
    url: task.url,
    depth: task.depth,
    discoveredFrom: task.discoveredFrom,
    redirects: [] as string[],
    attempts: task.attempt,
    robotsIgnored: !config.respect_robots_txt,
    privateNetworksAllowed: config.allow_private_networks,
    timings: { totalMs: Math.round(performance.now() - task.enqueuedAt) },
  };
}

/** A task's final failure as a document: skipped for robots, content type and duplicates, else failed. */
export function failedDoc(
  task: Task,
  e: FetchError,
  config: DocumentConfig,
  extra: Partial<CrawledDocument> = {},
): CrawledDocument {
  const skipped =
    e.code === FailureCode.Robots ||
    e.code === FailureCode.TdmReserved ||
    e.code === FailureCode.ContentType ||
    e.code === FailureCode.Duplicate;
  return {
    ...docBase(task, config),
    status: skipped ? 'skipped' : 'failed',
    reasonCode: e.code,
    reason: e.message,
    httpStatus: e.options.httpStatus,
    ...extra,
  };
}
