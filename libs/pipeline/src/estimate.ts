import type { AppConfig } from '@datafactory/config';
import { usesLlm } from '@datafactory/contracts';
import type { CrawlerOptions } from '@datafactory/crawler';
import { operatorCrawl, operatorPolicy } from './operator-policy.js';
import { type GenerationEstimate, estimateGeneration, examplesAsked, TemplateRegistry } from '@datafactory/generator';
import { JobInputError, resolveJobConfig, validateUrls } from './job-input.js';
import { checkTemplateExists } from './preflight.js';

export const ESTIMATE_SAMPLE_SIZE = 5;

export interface JobEstimate {
  urls: number;
  /** The URLs fetched and refined for the estimate, with what happened to each. */
  sample: { url: string; status: string; chunks: number; reason?: string }[];
  /** Null with template `none` (no LLM calls). */
  generation: GenerationEstimate | null;
  note: string;
}

/** Evenly spread positions: a sample that is not just the first pages of a list. */
export function samplePositions(total: number, size: number): number[] {
  if (total <= size) return Array.from({ length: total }, (_, i) => i);
  return Array.from({ length: size }, (_, i) => Math.floor((i * total) / size));
}

/**
 * What a job would cost before it starts: fetch and refine a few of its URLs
 * (with the job's own scraping and processing settings), count the tokens of
 * the sample's chunks in the template's prompts, and extrapolate to the whole
 * list as a range. A sample, and it says so.
 */
export async function estimateJob(
  app: AppConfig,
  body: { urls: unknown; config?: unknown },
  options: { crawler?: CrawlerOptions; signal?: AbortSignal } = {},
): Promise<JobEstimate> {
  const urls = [...new Set(validateUrls(body.urls))];
  const config = resolveJobConfig(body.config, await operatorPolicy(app));
  await checkTemplateExists(app.dataDir, config.generation.template);
  const picked = samplePositions(urls.length, ESTIMATE_SAMPLE_SIZE).map((i) => urls[i]!);
  const crawl = operatorCrawl(app, config.scraping, options.crawler);
  // Loaded on demand: the API process, which answers this route, does not otherwise load the stages.
  const [{ Crawler }, { Refiner }] = await Promise.all([
    import('@datafactory/crawler'),
    import('@datafactory/refiner'),
  ]);
  const crawler = new Crawler(crawl.crawler);
  const { generation: llm } = config;
  // Chunks are counted with the job model's tokenizer; without the LLM, with the operator's model.
  const refiner = new Refiner(config.processing, { model: usesLlm(llm) ? llm.model : app.llm.model });
  const sample: JobEstimate['sample'] = [];
  const chunkTexts: string[] = [];
  const chunksPerDocument: number[] = [];
  let notFetched = 0;
  try {
    // Only the sampled pages: site-mode discovery is left to the job itself.
    for await (const doc of crawler.crawl(picked, { ...crawl.scraping, mode: 'pages' }, { signal: options.signal })) {
      const body = doc.binary ?? doc.content;
      if (doc.status !== 'ok' || body === undefined) {
        sample.push({ url: doc.url, status: doc.status, chunks: 0, reason: doc.reason });
        notFetched++;
        continue;
      }
      // A PDF comes as bytes (the crawler keeps them; the refiner reads the text).
      const refined = await refiner.refine({
        html: body,
        kind: doc.binary ? 'pdf' : 'html',
        url: doc.finalUrl ?? doc.url,
      });
      sample.push({
        url: doc.url,
        status: refined.status,
        chunks: refined.chunks.length,
        ...(refined.reason ? { reason: refined.reason } : {}),
      });
      chunksPerDocument.push(refined.chunks.length);
      chunkTexts.push(...refined.chunks.map((c) => c.content));
    }
  } finally {
    await Promise.all([crawler.close(), refiner.close()]);
  }
  options.signal?.throwIfAborted();
  if (!chunksPerDocument.length) {
    throw new JobInputError([
      `none of the ${picked.length} sampled URL(s) could be fetched: ${sample.map((s) => `${s.url}: ${s.reason ?? s.status}`).join('; ')}`,
    ]);
  }
  if (!usesLlm(llm)) {
    return { urls: urls.length, sample, generation: null, note: 'template "none" makes no LLM calls: no cost' };
  }
  const registry = await TemplateRegistry.load({ dataDir: app.dataDir });
  // Pages that fail to fetch are part of the job too; the sample's failure rate is kept in the extrapolation.
  const generation = estimateGeneration({
    sampleChunkTexts: chunkTexts,
    // A page the refiner skipped is in chunksPerDocument already (with 0); add the ones never fetched.
    chunksPerSampledDocument: [...chunksPerDocument, ...Array.from({ length: notFetched }, () => 0)],
    totalDocuments: Math.max(urls.length, sample.length),
    template: registry.get(llm.template),
    model: llm.model,
    // One example per persona when the job lists personas.
    examplesPerChunk: examplesAsked(
      llm.template_params,
      llm.examples_per_chunk ?? undefined,
      registry.get(llm.template).spec.examplesPerChunk,
    ),
  });
  return {
    urls: urls.length,
    sample,
    generation,
    note: `estimated from ${sample.length} of ${urls.length} URL(s): ${generation.note}`,
  };
}
