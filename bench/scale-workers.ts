import { printRun, runDistributed, type RunFigures } from './measure.js';
import { loadCorpus, serve } from './scale.js';

/**
 * `npm run bench -- scale --workers 2 [--pages 2000]`: the distributed path
 * (the built API and workers on PostgreSQL and Redis, the job created over
 * HTTP) over scale's site of N distinct pages on 10 hosts with no
 * politeness bound (1,000 requests/s per host), template none, first with
 * one worker, then with `--workers`. Prints each run's figures
 * (`scale_workers<k>_*`: wall, rows, when the crawl ended, each process's
 * peak RSS and CPU seconds, the machine's load), then
 * `scale_workers_speedup` (wall with one worker over wall with k; target ≥
 * 1.7 with 2) and `scale_workers_cpu_ratio` (the workers' CPU seconds with k
 * over those with one: above 1 is work the sharing adds) and
 * `scale_workers_speedup_bound` (capacity over busy CPU seconds of the one-worker run: the most any number of
 * workers can gain on this machine, since the same CPU work has to fit in its cores). On a machine whose
 * other work keeps its cores busy the wall-clock speed-up says little: the
 * load average and machine busy CPU seconds are printed to judge that.
 */
export async function runScaleWorkers(args: string[]): Promise<void> {
  const opt = (name: string, fallback: string) => {
    const i = args.indexOf(name);
    return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
  };
  const workers = Number(opt('--workers', '2'));
  const pages = Number(opt('--pages', '2000').split(',')[0]);
  const hosts = 10;
  const corpus = loadCorpus();
  console.log(`scale_corpus=${corpus ? `shared:${corpus.sources.length}` : 'generated'}`);
  console.log(`scale_pages=${pages}`);
  const site = await serve(hosts, corpus);
  try {
    const urls = Array.from({ length: pages }, (_, n) => `http://127.0.0.1:${site.ports[n % hosts]}/p/${n}`);
    const jobConfig = {
      scraping: { requests_per_second: 1000, max_concurrent: 16, max_pages: pages, allow_private_networks: true },
      generation: { template: 'none' },
    };
    const env: Record<string, string> = {
      CRAWL_ALLOW_PRIVATE_NETWORKS: 'true',
      ...(process.env.PIPELINE_NODE_OPTIONS ? { NODE_OPTIONS: process.env.PIPELINE_NODE_OPTIONS } : {}),
    };
    // --only K: run only the configuration with K workers (no speed-up printed).
    const only = opt('--only', '');
    const runs: { k: number; r: RunFigures }[] = [];
    for (const k of only ? [Number(only)] : [1, workers]) {
      const r = await runDistributed(k, urls, jobConfig, env);
      printRun(`scale_workers${k}`, r);
      console.log(`scale_workers${k}_pages_per_s=${(pages / r.wallS).toFixed(2)}`);
      runs.push({ k, r });
    }
    if (runs.length < 2) return;
    const [one, many] = [runs[0]!.r, runs[1]!.r];
    const workerCpu = (r: RunFigures) =>
      r.processes.filter((p) => p.name.startsWith('worker')).reduce((s, p) => s + p.cpuS, 0);
    console.log(`scale_workers_speedup=${(one.wallS / many.wallS).toFixed(3)}`);
    // What the machine allows: the one-worker run kept machine_busy of capacity (cores x wall) CPU seconds busy;
    // however the work is shared out, k workers cannot finish before the same CPU work fits in the capacity.
    const capacity1 = one.wallS * one.machine.cores;
    console.log(`scale_workers_speedup_bound=${(capacity1 / Math.max(one.machine.machineBusyS, 1e-9)).toFixed(3)}`);
    console.log(`scale_workers_cpu_ratio=${(workerCpu(many) / workerCpu(one)).toFixed(3)}`);
    const peaks = many.processes.filter((p) => p.name.startsWith('worker')).map((p) => p.peakRssMb);
    console.log(`scale_workers_peak_rss_mb=${peaks.join(',')}`);
  } finally {
    await site.close();
  }
}
