import { type JobConfigInput, jobConfigSchema, type StoredJobConfig } from '@datafactory/contracts';

/** An operator for fixtures: a key for api.openai.com (never called) and private networks allowed (fixture sites). */
const FIXTURE_POLICY = { llm: { model: 'gpt-4o-mini', apiKey: 'sk-fixture' }, crawl: { allowPrivateNetworks: true } };

/** A job row's config as the API stores it: the given sections resolved, and the URLs. */
export function storedJobConfig(input: JobConfigInput = {}, urls: string[] = []): StoredJobConfig {
  return { ...jobConfigSchema(FIXTURE_POLICY).parse(input), urls };
}
