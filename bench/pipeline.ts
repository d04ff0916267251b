import { loadConfig } from '@datafactory/config';
import { runJobLocally } from '@datafactory/pipeline/worker';
import { FakeOpenAiServer, FixtureSite, qaFromPrompt, tempDir } from '@datafactory/testing';

/**
 * `npm run bench -- pipeline [pages] [hosts] [rate] [latencyMs] [llmConcurrency]`:
 * the whole pipeline (the same stage handlers as the worker, in one process)
 * over `pages` distinct fixture articles on `hosts` hosts at `rate`
 * requests/s each, against the fake LLM with `latencyMs` per call and
 * `llmConcurrency` calls in flight. The crawl alone needs pages/(hosts×rate);
 * generation alone needs calls×latency/concurrency. Streaming means the wall
 * time is close to the larger bound, not their sum.
 */
export async function run(args: string[]): Promise<void> {
  const [pages = 200, hosts = 4, rate = 2, latencyMs = 500, concurrency = 5] = args.map(Number);
  const names = Array.from({ length: hosts }, (_, i) => `h${i}` as const);
  const site = await FixtureSite.start({ hosts: names });
  const llm = new FakeOpenAiServer({ content: qaFromPrompt, latencyMs });
  await llm.start();
  const dir = await tempDir('df-bench-');
  try {
    const urls = Array.from({ length: pages }, (_, i) => site.url(names[i % hosts]!, `/doc/${i + 1}`));
    const config = loadConfig({
      DATA_DIR: dir.path,
      OPENAI_BASE_URL: llm.baseUrl,
      LOG_LEVEL: 'silent',
      CRAWL_ALLOW_PRIVATE_NETWORKS: 'true',
    });
    let peakRss = 0;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);
    const started = performance.now();
    const { job, export: exported } = await runJobLocally(config, {
      urls,
      jobConfig: {
        scraping: { requests_per_second: rate, max_concurrent: hosts, max_pages: pages },
        generation: { template: 'qa', examples_per_chunk: 2, max_concurrent_llm: concurrency },
        quality: { checks: ['format', 'readability', 'duplicates'] },
      },
    });
    const wall = (performance.now() - started) / 1000;
    clearInterval(sampler);
    const calls = llm.requests.length;
    const crawlBound = pages / (hosts * rate);
    const llmBound = (calls * latencyMs) / 1000 / concurrency;
    console.log(`pipeline_status=${job.status}`);
    console.log(`pipeline_pages=${pages}`);
    console.log(`pipeline_chunks=${job.progress.generator.total}`);
    console.log(`pipeline_llm_calls=${calls}`);
    console.log(`pipeline_examples_exported=${exported?.recordCount ?? 0}`);
    console.log(`pipeline_wall_s=${wall.toFixed(2)}`);
    console.log(`pipeline_crawl_bound_s=${crawlBound.toFixed(2)}`);
    console.log(`pipeline_llm_bound_s=${llmBound.toFixed(2)}`);
    console.log(`pipeline_ratio_to_larger_bound=${(wall / Math.max(crawlBound, llmBound)).toFixed(3)}`);
    console.log(`pipeline_ratio_to_sum_of_bounds=${(wall / (crawlBound + llmBound)).toFixed(3)}`);
    console.log(`pipeline_peak_rss_mb=${(peakRss / 2 ** 20).toFixed(0)}`);
  } finally {
    await site.close();
    await llm.stop();
    await dir.remove();
  }
}
