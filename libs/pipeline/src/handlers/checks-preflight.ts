import type { AppConfig } from '@datafactory/config';
import { type JobConfig, usesLlm } from '@datafactory/contracts';
import {
  checkLlmEndpoint,
  GenerationConfigError,
  resolveGenerationConfig,
  type StoredApiKey,
} from '@datafactory/generator';
import { loadToxicityClassifier, modelCacheDir } from '@datafactory/inspector';

/**
 * The job's first step, before any page is fetched or any LLM call is paid
 * for: every enabled quality check that needs a model can load it. When one
 * cannot and `quality.allow_unavailable` is false, no example could pass, so
 * the job would pay for examples only to reject them all: the sentence to fail
 * the job with is returned (null when the job can go on). The model loaded
 * here stays cached for the inspector of this process.
 */
export async function checksThatCannotRun(
  app: Pick<AppConfig, 'dataDir' | 'models'>,
  config: JobConfig,
): Promise<string | null> {
  const quality = config.quality;
  if (!usesLlm(config.generation) || quality.allow_unavailable || !quality.checks.includes('toxicity')) return null;
  try {
    await loadToxicityClassifier({
      model: quality.toxicity.model,
      dtype: quality.toxicity.dtype,
      cacheDir: modelCacheDir(app.dataDir),
      allowDownload: true,
      hubUrl: app.models.hubUrl,
    });
    return null;
  } catch (e) {
    return (
      `the toxicity check cannot run, so no example could pass: ${e instanceof Error ? e.message : String(e)}; ` +
      'nothing was fetched or paid for (`datafactory models pull` puts it under DATA_DIR/models; or choose other quality.checks, ' +
      'or set quality.allow_unavailable: true)'
    );
  }
}

/**
 * The job's LLM endpoint answers and takes the key (one `GET /models`, cached
 * for a few minutes per endpoint); else the sentence to fail the job with.
 */
export async function llmEndpointProblem(
  app: Pick<AppConfig, 'llm'>,
  config: JobConfig,
  storedKey: StoredApiKey,
): Promise<string | null> {
  if (!usesLlm(config.generation)) return null;
  let connection;
  try {
    ({ connection } = resolveGenerationConfig(config.generation, app, storedKey));
  } catch (e) {
    // This worker's operator settings do not allow the job's endpoint (GenerationConfigError names the field).
    if (e instanceof GenerationConfigError) return e.message;
    throw e;
  }
  const problem = await checkLlmEndpoint(connection);
  return problem && `${problem}; nothing was fetched or paid for`;
}
