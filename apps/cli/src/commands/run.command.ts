import { Inject } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@datafactory/config';
import { formatFunnel, type JobEvent, type JobProgress, STAGES } from '@datafactory/contracts';
import { looksLikeUrl, readLocalUploads } from '@datafactory/pipeline';
import { type LocalRunResult, runJobLocally } from '@datafactory/pipeline/worker';
import { Command, CommandRunner, Option } from 'nest-commander';
import { cp, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';

interface RunOptions {
  urls?: string;
  config?: string;
  template?: string;
  format?: string;
  out?: string;
  model?: string;
  mode?: string;
  maxPages?: number;
  maxDepth?: number;
  chunkSize?: number;
  examplesPerChunk?: number;
  maxConcurrentLlm?: number;
  maxCostUsd?: number;
  minScore?: number;
  checks?: string[];
  allowPrivateNetworks?: boolean;
  robots?: boolean;
  aiReservations?: boolean;
}

const LABELS: Record<string, string> = {
  crawler: 'Spider',
  refiner: 'Refiner',
  generator: 'Factory',
  inspector: 'Inspector',
  exporter: 'Shipper',
};

@Command({
  name: 'run',
  arguments: '[urls-or-files...]',
  description: 'run the whole pipeline in this process (no Redis needed) and write the dataset',
})
export class RunCommand extends CommandRunner {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    super();
  }

  async run(args: string[], o: RunOptions): Promise<void> {
    // Arguments with a scheme are URLs; the others are local files and folders (entering at the refiner).
    const urls = [...args.filter(looksLikeUrl), ...(o.urls ? await readUrlFile(o.urls) : [])];
    const paths = args.filter((a) => !looksLikeUrl(a));
    const { files, leftOut } = paths.length
      ? await readLocalUploads(paths, this.config.uploads)
      : { files: [], leftOut: [] };
    if (leftOut.length) {
      console.log(
        `left out ${leftOut.length} file(s) of other types (${leftOut.slice(0, 3).join(', ')}${leftOut.length > 3 ? ', ...' : ''})`,
      );
    }
    if (!urls.length && !files.length) throw new Error('give URLs or files as arguments, or URLs with --urls FILE');
    const jobConfig = o.config
      ? (JSON.parse(await readFile(o.config, 'utf8')) as Record<string, Record<string, unknown>>)
      : {};
    const section = (name: string) => (jobConfig[name] ??= {});
    const set = (name: string, key: string, value: unknown) => value !== undefined && (section(name)[key] = value);
    set('generation', 'template', o.template);
    set('generation', 'model', o.model);
    set('generation', 'examples_per_chunk', o.examplesPerChunk);
    set('generation', 'max_concurrent_llm', o.maxConcurrentLlm);
    set('generation', 'max_cost_usd', o.maxCostUsd);
    set('export', 'format', o.format);
    set('scraping', 'mode', o.mode);
    set('scraping', 'max_pages', o.maxPages);
    set('scraping', 'max_depth', o.maxDepth);
    set('scraping', 'respect_robots_txt', o.robots === false ? false : undefined);
    set('scraping', 'respect_ai_reservations', o.aiReservations === false ? false : undefined);
    set('processing', 'chunk_size', o.chunkSize);
    set('quality', 'min_score', o.minScore);
    set('quality', 'checks', o.checks);

    const result = await runWithProgress(this.config, o.allowPrivateNetworks, (config, live) =>
      runJobLocally(config, { urls, files, jobConfig, ...live }),
    );
    await printResult(result, this.config.dataDir, o.out);
  }

  @Option({ flags: '--urls <file>', description: 'read URLs from a file (one per line, # comments)' })
  parseUrls(v: string): string {
    return v;
  }
  @Option({ flags: '--config <file>', description: 'a JSON job config (the API body\'s "config")' })
  parseConfig(v: string): string {
    return v;
  }
  @Option({
    flags: '--template <name>',
    description: 'qa, summarization, classification, instruction, a custom one, or none (chunks only, no LLM)',
  })
  parseTemplate(v: string): string {
    return v;
  }
  @Option({ flags: '--format <format>', description: 'jsonl, json, csv, parquet, openai, alpaca, sharegpt' })
  parseFormat(v: string): string {
    return v;
  }
  @Option({ flags: '--out <dir>', description: 'also copy the dataset folder here' })
  parseOut(v: string): string {
    return v;
  }
  @Option({ flags: '--model <name>', description: 'LLM model (default LLM_MODEL)' })
  parseModel(v: string): string {
    return v;
  }
  @Option({ flags: '--mode <mode>', description: 'pages (the URLs given) or site (follow links and sitemaps)' })
  parseMode(v: string): string {
    return v;
  }
  @Option({ flags: '--max-pages <n>', description: 'site mode: at most this many pages' })
  parseMaxPages(v: string): number {
    return int(v, '--max-pages');
  }
  @Option({ flags: '--max-depth <n>', description: 'site mode: link hops from a start URL' })
  parseMaxDepth(v: string): number {
    return int(v, '--max-depth');
  }
  @Option({ flags: '--chunk-size <tokens>', description: 'tokens per chunk (default 512)' })
  parseChunkSize(v: string): number {
    return int(v, '--chunk-size');
  }
  @Option({ flags: '--examples-per-chunk <n>', description: 'examples asked per chunk' })
  parseExamples(v: string): number {
    return int(v, '--examples-per-chunk');
  }
  @Option({ flags: '--max-concurrent-llm <n>', description: 'LLM calls in flight (default 5)' })
  parseLlm(v: string): number {
    return int(v, '--max-concurrent-llm');
  }
  @Option({ flags: '--max-cost-usd <usd>', description: 'stop generating once this is spent' })
  parseCost(v: string): number {
    return num(v, '--max-cost-usd');
  }
  @Option({ flags: '--min-score <0..1>', description: 'quality threshold (default 0.7)' })
  parseScore(v: string): number {
    return num(v, '--min-score');
  }
  @Option({
    flags: '--checks <list>',
    description: 'quality checks, comma-separated: format, readability, duplicates, toxicity, judge, grounded',
  })
  parseChecks(v: string): string[] {
    return v
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean);
  }
  @Option({ flags: '--allow-private-networks', description: 'allow loopback and private addresses (intranets)' })
  parsePrivate(): boolean {
    return true;
  }
  @Option({ flags: '--no-robots', description: 'ignore robots.txt (recorded on every document)' })
  parseRobots(): boolean {
    return false;
  }
  @Option({
    flags: '--no-ai-reservations',
    description: 'keep pages that reserve text-and-data mining (TDMRep, noai); their terms go with every example',
  })
  parseAiReservations(): boolean {
    return false;
  }
}

function int(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`${flag} must be an integer (got "${v}")`);
  return n;
}
export function num(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`${flag} must be a number (got "${v}")`);
  return n;
}

async function readUrlFile(file: string): Promise<string[]> {
  return (await readFile(file, 'utf8'))
    .split(/\r?\n/)
    .map((l) => l.split(',')[0]!.trim())
    .filter((l) => l && !l.startsWith('#'));
}

function progressLines(p: JobProgress): string[] {
  return STAGES.map((s) => {
    const c = p[s];
    const settled = c.done + c.failed;
    const width = 24;
    const filled = c.total ? Math.round((settled / c.total) * width) : 0;
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    return `${LABELS[s]!.padEnd(9)} ${bar} ${settled}/${c.total}${c.failed ? ` (${c.failed} failed)` : ''}`;
  });
}

/** Progress bars redrawn in place on a terminal; plain lines (at most one every 2 s) otherwise. */
export class ProgressView {
  private drawn = 0;
  private lastPlain = 0;
  private last?: JobProgress;

  constructor(private readonly tty: boolean) {}

  onEvent(e: JobEvent): void {
    if (e.type === 'log' && (e.level === 'warn' || e.level === 'error')) this.print(`${e.level}: ${e.message}`);
    if (e.type === 'progress') {
      this.last = e.progress;
      if (this.tty) this.redraw();
      else if (Date.now() - this.lastPlain > 2_000) {
        this.lastPlain = Date.now();
        console.log(
          progressLines(e.progress)
            .map((l) => l.replace(/[█░]+ /, ''))
            .join(' | '),
        );
      }
    }
  }

  finish(): void {
    if (this.tty) this.clear();
  }

  private print(line: string): void {
    if (this.tty) this.clear();
    console.log(line);
    if (this.tty) this.redraw();
  }

  private clear(): void {
    if (this.drawn) process.stdout.write(`\x1b[${this.drawn}A\x1b[0J`);
    this.drawn = 0;
  }

  private redraw(): void {
    if (!this.last) return;
    this.clear();
    const lines = progressLines(this.last);
    process.stdout.write(`${lines.join('\n')}\n`);
    this.drawn = lines.length;
  }
}

/** What `run` and `refresh` print at the end: the job, its funnel, its cost and where the dataset is. */
/**
 * Runs a job in this process with the progress view on the terminal; Ctrl-C finishes what is in flight
 * and stops. The person at the terminal is the operator: --allow-private-networks widens this process's
 * own settings.
 */
export async function runWithProgress(
  appConfig: AppConfig,
  allowPrivateNetworks: boolean | undefined,
  run: (config: AppConfig, live: { signal: AbortSignal; onEvent: (e: JobEvent) => void }) => Promise<LocalRunResult>,
): Promise<LocalRunResult> {
  const view = new ProgressView(process.stdout.isTTY === true);
  const controller = new AbortController();
  const interrupt = () => {
    process.stderr.write('\nstopping: finishing what is in flight...\n');
    controller.abort();
  };
  process.once('SIGINT', interrupt);
  try {
    const config: AppConfig = allowPrivateNetworks
      ? { ...appConfig, crawl: { ...appConfig.crawl, allowPrivateNetworks: true } }
      : appConfig;
    return await run(config, { signal: controller.signal, onEvent: (e) => view.onEvent(e) });
  } finally {
    process.off('SIGINT', interrupt);
    view.finish();
  }
}

export async function printResult(result: LocalRunResult, dataDir: string, out: string | undefined): Promise<void> {
  const { job, export: exported, funnel } = result;
  console.log(`job ${job.id}: ${job.status}${job.error ? ` (${job.error})` : ''}`);
  // The summary is the funnel: where every row went, with the reasons of every drop.
  if (funnel)
    console.log(
      `where the rows went:\n${formatFunnel(funnel)
        .map((l) => `  ${l}`)
        .join('\n')}`,
    );
  else console.log(progressLines(job.progress).join('\n'));
  const estimated = Number(job.costEstimated ?? 0);
  console.log(
    `cost: $${Number(job.costTotal).toFixed(4)}` +
      (estimated > 0 ? ` (of which $${estimated.toFixed(4)} estimated: calls whose reply or usage was lost)` : ''),
  );
  // Exit codes: 0 when the job completed with a dataset; 1 when it failed (nothing exported: the line
  // above says why), was cancelled or was interrupted.
  process.exitCode = job.status === 'completed' ? 0 : 1;
  if (!exported) {
    console.log('no export was written');
    return;
  }
  let dir = path.resolve(dataDir, exported.filePath);
  if (out) {
    await mkdir(out, { recursive: true });
    await cp(dir, out, { recursive: true });
    dir = path.resolve(out);
  }
  console.log(`dataset: ${dir} (${exported.recordCount} record(s), ${exported.format}, version ${exported.version})`);
  console.log(`export ${exported.id} (to the Hugging Face Hub: datafactory publish ${exported.id} --repo user/name)`);
  if (exported.recordCount === 0 && job.progress.generator.done > 0) {
    console.log(
      'no example passed quality control: the card and GET /api/jobs/<id>/quality say why; a check that cannot ' +
        'run (the toxicity model offline) passes nothing, see docs/inspector.md, or choose checks with --checks',
    );
  }
  const card = exported.datasetCard ?? '';
  const summary = card
    .replace(/^---[\s\S]*?---\s*/, '')
    .split('\n')
    .slice(0, 12)
    .join('\n');
  if (summary.trim()) console.log(`\n${summary}`);
}
