import type { AppConfig } from '@datafactory/config';
import { type JobConfig, type JobConfigPolicy, parseJobConfig } from '@datafactory/contracts';

/** A job request that cannot start; `problems` lists every bad URL and config field. */
export class JobInputError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'JobInputError';
  }
}

export const MAX_URLS_PER_JOB = 10_000;

/** Checks every URL; returns the normalised list or throws naming each bad one with its position. */
export function validateUrls(urls: unknown): string[] {
  if (!Array.isArray(urls) || urls.length === 0) throw new JobInputError(['urls must be a non-empty list of URLs']);
  if (urls.length > MAX_URLS_PER_JOB) {
    throw new JobInputError([`urls has ${urls.length} entries; at most ${MAX_URLS_PER_JOB} per job`]);
  }
  const problems: string[] = [];
  const out: string[] = [];
  urls.forEach((raw, i) => {
    if (typeof raw !== 'string' || raw.trim() === '') {
      problems.push(`urls[${i}] must be a non-empty string`);
      return;
    }
    let u: URL;
    try {
      u = new URL(raw.trim());
    } catch {
      problems.push(`urls[${i}] "${raw}" is not a URL`);
      return;
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      problems.push(`urls[${i}] "${raw}" must use http or https`);
      return;
    }
    if (u.username || u.password) {
      problems.push(`urls[${i}] must not carry credentials`);
      return;
    }
    u.hash = '';
    out.push(u.toString());
  });
  if (problems.length) throw new JobInputError(problems);
  return out;
}

export { JOB_CONFIG_SECTIONS, NO_TEMPLATE, PRIVATE_NETWORKS_REFUSED } from '@datafactory/contracts';

/**
 * What the operator allows (libs/config), against which a job's config is
 * resolved: a job may choose among these and narrow them, never widen them.
 * The API checks whether a key is saved in Settings (`storedKey.present`).
 */
export type JobPolicy = Pick<AppConfig, 'crawl'> & JobConfigPolicy;

/**
 * The job config with every default applied (the schema of libs/contracts
 * job-config), or a JobInputError listing one problem per bad section, each
 * naming its field. This is what a job row stores, with its URLs.
 */
export function resolveJobConfig(input: unknown, policy: JobPolicy): JobConfig {
  const result = parseJobConfig(input, policy);
  if (!result.ok) throw new JobInputError(result.problems);
  return result.config;
}
