import type { AppConfig } from '@datafactory/config';
import type { CrawlerOptions } from '@datafactory/crawler';
import { StoredLlmKey } from '@datafactory/persistence';
import type { JobPolicy } from './job-input.js';

/**
 * What this process's operator allows, for resolving a job's config: the LLM
 * endpoints and key (environment, and the key saved in Settings) and what the
 * crawler may reach.
 */
export async function operatorPolicy(app: AppConfig): Promise<JobPolicy> {
  const key = StoredLlmKey.inDataDir(app.dataDir);
  return {
    llm: app.llm,
    crawl: app.crawl,
    storedKey: { present: await key.present().catch(() => false) },
  };
}

/**
 * The crawl a process runs for a job: the job's scraping settings, never wider
 * than this process's operator settings (a job row written by another API
 * process, or before the operator narrowed the environment, cannot widen
 * them), with the operator's trusted hosts.
 */
export function operatorCrawl<S extends { allow_private_networks?: unknown }>(
  app: Pick<AppConfig, 'crawl' | 'chromePath'>,
  scraping: S,
  options: CrawlerOptions = {},
): { scraping: S & { allow_private_networks: boolean }; crawler: CrawlerOptions } {
  return {
    scraping: {
      ...scraping,
      allow_private_networks: scraping.allow_private_networks === true && app.crawl.allowPrivateNetworks,
    },
    crawler: {
      chromePath: app.chromePath,
      ...options,
      trustedHosts: [...app.crawl.trustedHosts, ...(options.trustedHosts ?? [])],
    },
  };
}
