import type { JobConfig } from '@datafactory/contracts';

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
const DEFAULTS: JobConfig = {
  scraping: { max_concurrent: 3, use_playwright: 'auto', respect_robots_txt: true },
  processing: { chunk_size: 512, chunk_strategy: 'recursive' },
  generation: { template: 'qa', model: 'gpt-4o-mini', examples_per_chunk: 3, max_concurrent_llm: 5 },
  quality: { min_score: 0.7, checks: ['toxicity', 'readability', 'format'] },
  export: { format: 'jsonl' },
};

/**
 * A stage's config resolver: takes the user's section (unknown shape), returns
 * it with defaults applied, or the list of problems (each naming its field).
 */
export type SectionResolver = (
  input: Record<string, unknown>,
  defaultModel: string,
) => { value: object; problems: string[] };

/** The basic resolver for a section: DESIGN.md's fields with their defaults, types checked. */
function basicResolver(section: Section): SectionResolver {
  return (input, defaultModel) => {
    const defaults = { ...DEFAULTS[section] } as Record<string, unknown>;
    if (section === 'generation') defaults.model = defaultModel;
    const problems: string[] = [];
    const value: Record<string, unknown> = { ...defaults };
    for (const [key, given] of Object.entries(input)) {
      const def = defaults[key];
      if (def === undefined) {
        problems.push(`config.${section}.${key} is not a known option`);
      } else if (Array.isArray(def) ? !Array.isArray(given) : typeof given !== typeof def) {
        problems.push(`config.${section}.${key} must be ${Array.isArray(def) ? 'a list' : `a ${typeof def}`}`);
      } else {
        value[key] = given;
      }
    }
    return { value, problems };
  };
}

const resolvers = new Map<Section, SectionResolver>(
  (Object.keys(DEFAULTS) as Section[]).map((s) => [s, basicResolver(s)]),
);

/** A stage lib installs the full resolver of its section (its own options and rules). */
export function registerSectionResolver(section: Section, resolver: SectionResolver): void {
  resolvers.set(section, resolver);
}

/** The job config with every default applied, or a JobInputError listing every problem. */
export function resolveJobConfig(input: unknown, defaultModel: string): JobConfig {
  const source = (input ?? {}) as Record<string, unknown>;
  if (typeof source !== 'object' || Array.isArray(source)) throw new JobInputError(['config must be an object']);
  const problems: string[] = [];
  const out: Record<string, object> = {};
  for (const key of Object.keys(source)) {
    if (!resolvers.has(key as Section))
      problems.push(`config.${key} is not a known section (scraping, processing, generation, quality, export)`);
  }
  for (const [section, resolve] of resolvers) {
    const given = source[section] ?? {};
    if (typeof given !== 'object' || Array.isArray(given) || given === null) {
      problems.push(`config.${section} must be an object`);
      continue;
    }
    const r = resolve(given as Record<string, unknown>, defaultModel);
    problems.push(...r.problems);
    out[section] = r.value;
  }
  if (problems.length) throw new JobInputError(problems);
  return out as unknown as JobConfig;
}
