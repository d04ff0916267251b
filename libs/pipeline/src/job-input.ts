import type { AppConfig } from '@datafactory/config';
import { type JobConfig, NO_TEMPLATE } from '@datafactory/contracts';
import { resolveScrapingConfig } from '@datafactory/crawler';
import { resolveExportConfig } from '@datafactory/exporter';
import { resolveQualityConfig } from '@datafactory/inspector';
import {
  describeGenerationConfig,
  resolveGenerationConfig,
  type LlmPolicy,
  type StoredApiKey,
} from '@datafactory/generator';
import { resolveProcessingConfig } from '@datafactory/refiner';

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

type Section = keyof JobConfig;
export const JOB_CONFIG_SECTIONS: readonly Section[] = ['scraping', 'processing', 'generation', 'quality', 'export'];

export { NO_TEMPLATE };

/**
 * What the operator allows (libs/config), against which a job's config is
 * resolved: a job may choose among these and narrow them, never widen them.
 */
export type JobPolicy = Pick<AppConfig, 'crawl'> & {
  llm: LlmPolicy;
  /** Whether a key is saved in Settings (the API checks; the worker reads it per call). */
  storedKey?: StoredApiKey;
};

/** Each section's resolver: the user's section in, the stored form with defaults out; throws naming the field. */
type SectionResolver = (input: Record<string, unknown>, policy: JobPolicy) => object;

export const PRIVATE_NETWORKS_REFUSED =
  'scraping.allow_private_networks cannot be true: this server does not allow private networks ' +
  '(the operator allows them with CRAWL_ALLOW_PRIVATE_NETWORKS=true, or single hosts with CRAWL_TRUSTED_HOSTS)';

const RESOLVERS: Record<Section, SectionResolver> = {
  scraping: (input, policy) => {
    // The operator's setting is the default and the ceiling: a job may only turn private networks off.
    if (input.allow_private_networks === true && !policy.crawl.allowPrivateNetworks) {
      throw new Error(PRIVATE_NETWORKS_REFUSED);
    }
    const scraping = resolveScrapingConfig(input);
    if (input.allow_private_networks === undefined || input.allow_private_networks === null) {
      scraping.allow_private_networks = policy.crawl.allowPrivateNetworks;
    }
    return scraping;
  },
  processing: (input) => resolveProcessingConfig(input),
  generation: (input, policy) => {
    if (input.template === NO_TEMPLATE) {
      const extra = Object.keys(input).filter((k) => k !== 'template');
      if (extra.length) throw new Error(`generation.${extra[0]} has no meaning with template "none"`);
      return { template: NO_TEMPLATE };
    }
    return describeGenerationConfig(resolveGenerationConfig(input, policy, policy.storedKey));
  },
  quality: (input) => resolveQualityConfig(input),
  export: (input) => resolveExportConfig(input),
};

/**
 * The job config with every default applied (each stage's own rules), or a
 * JobInputError listing one problem per bad section, each naming its field.
 */
export function resolveJobConfig(input: unknown, policy: JobPolicy): JobConfig {
  const source = (input ?? {}) as Record<string, unknown>;
  if (typeof source !== 'object' || Array.isArray(source)) throw new JobInputError(['config must be an object']);
  const problems: string[] = [];
  const out: Record<string, object> = {};
  for (const key of Object.keys(source)) {
    if (!(JOB_CONFIG_SECTIONS as string[]).includes(key)) {
      problems.push(`config.${key} is not a known section (${JOB_CONFIG_SECTIONS.join(', ')})`);
    }
  }
  for (const section of JOB_CONFIG_SECTIONS) {
    const given = source[section] ?? {};
    if (typeof given !== 'object' || Array.isArray(given) || given === null) {
      problems.push(`config.${section} must be an object`);
      continue;
    }
    try {
      out[section] = RESOLVERS[section](given as Record<string, unknown>, policy);
    } catch (e) {
      const message = (e as Error).message;
      problems.push(message.startsWith('config.') ? message : `config.${message}`);
    }
  }
  if (problems.length) throw new JobInputError(problems);
  return out as unknown as JobConfig;
}
