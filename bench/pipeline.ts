import { FakeOpenAiServer, qaFromPrompt } from '@datafactory/testing';
import { printRun, runDistributed, runOneProcess, type RunFigures } from './measure.js';
import { loadCorpus, serve } from './scale.js';

/**
 * `npm run bench -- pipeline [--pages 2000] [--hosts 10] [--rate 1]
 * [--latency 200] [--llm-concurrency 8] [--chunk-size 384] [--workers 2]
 * [--modes one,workers]`: the whole pipeline (template qa, 2 examples per
 * chunk, checks format/readability/duplicates) over `pages` article pages
 * on `hosts` local hosts crawled at `rate` requests/s each, against the fake
 * LLM answering each call after `latency` ms with `llm-concurrency` calls in
 * flight for the job. The pages are scale's (bench/scale.ts): article
 * skeletons (header, nav, h1, paragraphs with h2 parts, footer) of ~700
 * words rewritten from the ground-truth articles in ../shared (libs/testing's
 * generated ones without it), 5% planted near-duplicates; at a chunk size
 * of 384 tokens a page is 4–5 chunks (about 8,800 for 2,000 pages).
 *
 * The two stage bounds: the crawl alone needs pages/(hosts×rate) seconds,
 * the generation alone calls×latency/concurrency (calls as counted in the
 * job's ledger, `max_concurrent_llm` being the job's limit across every
 * worker). Streaming means the wall time is close to the larger bound, not
 * their sum: `pipeline_<mode>_ratio_to_larger_bound` (target ≤ 1.15).
 *
 * Modes: `one` is `datafactory run` (one process, SQLite); `workers` is the
 * built API and `--workers` workers on PostgreSQL (a private schema) and
 * Redis, the job created over HTTP. Each prints its wall, the job's rows,
 * when the crawl and the generation ended (from the rows), each process's
 * peak RSS and CPU seconds, and the machine's load while it ran (the CPU
 * seconds are what a loaded machine distorts least). PIPELINE_NODE_OPTIONS
 * passes node flags to those processes (`--cpu-prof --cpu-prof-dir=DIR`).
 */
export async function run(args: string[]): Promise<void> {
  const opt = (name: string, fallback: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
  };
  const pages = Number(opt('pages', '2000'));
  const hosts = Number(opt('hosts', '10'));
  const rate = Number(opt('rate', '1'));
  const latencyMs = Number(opt('latency', '200'));
  const concurrency = Number(opt('llm-concurrency', '8'));
  const chunkSize = Number(opt('chunk-size', '384'));
  const workers = Number(opt('workers', '2'));
  const modes = opt('modes', 'one,workers').split(',');

  const corpus = loadCorpus();
  console.log(`pipeline_corpus=${corpus ? `shared:${corpus.sources.length}` : 'generated'}`);
  const site = await serve(hosts, corpus);
  const llm = new FakeOpenAiServer({ content: qaFromPrompt, latencyMs });
  await llm.start();
  try {
    const urls = Array.from({ length: pages }, (_, n) => `http://127.0.0.1:${site.ports[n % hosts]}/p/${n}`);
    const jobConfig = {
      scraping: { requests_per_second: rate, max_concurrent: hosts, max_pages: pages, allow_private_networks: true },
      processing: { chunk_size: chunkSize },
      generation: { template: 'qa', examples_per_chunk: 2, max_concurrent_llm: concurrency },
      quality: { checks: ['format', 'readability', 'duplicates'] },
    };
    const env: Record<string, string> = {
      OPENAI_BASE_URL: llm.baseUrl,
      CRAWL_ALLOW_PRIVATE_NETWORKS: 'true',
      // Node flags for the pipeline's processes, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
      ...(process.env.PIPELINE_NODE_OPTIONS ? { NODE_OPTIONS: process.env.PIPELINE_NODE_OPTIONS } : {}),
    };
    console.log(`pipeline_pages=${pages}`);
    console.log(`pipeline_hosts=${hosts}`);
    console.log(`pipeline_rate=${rate}`);
    console.log(`pipeline_llm_latency_ms=${latencyMs}`);
    console.log(`pipeline_llm_concurrency=${concurrency}`);
    const crawlBound = pages / (hosts * rate);
    console.log(`pipeline_crawl_bound_s=${crawlBound.toFixed(1)}`);
    for (const mode of modes) {
      let r: RunFigures;
      let prefix: string;
      llm.reset();
      if (mode === 'one') {
        prefix = 'pipeline_one';
        r = await runOneProcess(urls, jobConfig, ['--allow-private-networks'], env);
      } else if (mode === 'workers') {
        prefix = `pipeline_workers${workers}`;
        r = await runDistributed(workers, urls, jobConfig, env);
      } else {
        console.error(`pipeline: unknown mode "${mode}" (one, workers)`);
        process.exitCode = 1;
        continue;
      }
      printRun(prefix, r);
      const llmBound = (r.job.llmCalls * latencyMs) / 1000 / concurrency;
      console.log(`${prefix}_llm_bound_s=${llmBound.toFixed(1)}`);
      // Calls in flight: the most at once (the fake server's count) and on average over the generation's span.
      console.log(`${prefix}_llm_peak_in_flight=${llm.maxInFlight}`);
      const meanInFlight = (r.job.llmCalls * latencyMs) / 1000 / Math.max(r.job.generateSpanS, 1e-9);
      console.log(`${prefix}_llm_mean_in_flight=${meanInFlight.toFixed(2)}`);
      console.log(`${prefix}_ratio_to_larger_bound=${(r.wallS / Math.max(crawlBound, llmBound)).toFixed(3)}`);
      console.log(`${prefix}_ratio_to_sum_of_bounds=${(r.wallS / (crawlBound + llmBound)).toFixed(3)}`);
    }
  } finally {
    await site.close();
    await llm.stop();
  }
}
