/**
 * `npm run bench -- extract [SHARED_DIR] [--only news|wcxb] [--types T,...] [--keep DIR]`: extraction quality
 * across page types, as name=value lines.
 *
 * - News: SHARED_DIR/extraction-bench (AEB dev, 50 annotated news pages).
 * - WCXB: SHARED_DIR/wcxb-dev (WCXB dev split, 1,476 annotated pages of 7 types); the
 *   gzipped pages are read in memory, nothing is unpacked.
 *
 * Every page goes through the production path (Refiner, worker thread). The predictions
 * are scored by the benchmark's own scorer, extraction-bench/score.mjs (run as is, not
 * ported): macro precision/recall/F1 of 4-word shingles, per page type, and the share of
 * required snippets found (`with_found`) and boilerplate snippets avoided
 * (`without_avoided`). `extract_pages_per_cpu_s` is WCXB pages per second of CPU time
 * (user + system, all threads of this process), i.e. on one core.
 * `--types listing,product` scores only the WCXB pages of those types (the figures are then theirs alone).
 * `--keep DIR` leaves the predictions (news.jsonl, wcxb.jsonl) there for inspection.
 * SHARED_DIR defaults to ../shared beside the checkout; absent, the benchmark says so and
 * prints nothing else.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { PACKAGE_ROOT } from '@datafactory/config';
import { Refiner } from '@datafactory/refiner';

const print = (name: string, value: number | string) =>
  console.log(`${name}=${typeof value === 'number' ? Number(value.toFixed(3)) : value}`);

interface Page {
  id: string;
  url?: string;
  read(): Buffer;
}

interface Scored {
  f1: number;
  precision: number;
  recall: number;
  types: Array<{ type: string; f1: number; precision: number; recall: number; pages: number }>;
  withFound: number | null;
  withoutAvoided: number | null;
}

export async function run(args: string[]): Promise<void> {
  const flag = (name: string) => {
    const i = args.indexOf(name);
    if (i < 0) return undefined;
    const v = args[i + 1];
    args.splice(i, 2);
    return v;
  };
  const only = flag('--only');
  const keep = flag('--keep');
  // --types listing,product: only the WCXB pages of these page types (for working on one type).
  const types = flag('--types')?.split(',');
  const shared = path.resolve(args[0] ?? path.join(PACKAGE_ROOT, '..', 'shared'));
  const news = path.join(shared, 'extraction-bench');
  const wcxb = path.join(shared, 'wcxb-dev');
  const scorer = path.join(news, 'score.mjs');
  if (!existsSync(scorer)) {
    console.error(`bench extract: no ${scorer} (the benchmark pages live in ../shared); skipped`);
    return;
  }
  if (keep) mkdirSync(keep, { recursive: true });
  const tmp = keep ?? mkdtempSync(path.join(os.tmpdir(), 'df-bench-extract-'));
  try {
    if (only !== 'wcxb') {
      const truthPath = path.join(news, 'ground-truth.json');
      const truth = JSON.parse(readFileSync(truthPath, 'utf8')) as Record<string, { url?: string }>;
      const pages = Object.keys(truth)
        .sort()
        .map((id) => ({ id, url: truth[id]!.url, read: () => readFileSync(path.join(news, 'html', `${id}.html`)) }));
      const run = await extractAll(pages, path.join(tmp, 'news.jsonl'));
      const s = score(scorer, run.predictions, truthPath);
      print('extract_f1_news', s.f1);
      print('extract_precision_news', s.precision);
      print('extract_recall_news', s.recall);
      print('extract_pages_news', pages.length);
      print('extract_pages_per_cpu_s_news', pages.length / run.cpuSeconds);
    }
    if (only !== 'news') {
      const truthPath = path.join(wcxb, 'truth.json');
      if (!existsSync(truthPath)) {
        console.error(`bench extract: no ${truthPath}; WCXB figures skipped`);
        return;
      }
      const truth = JSON.parse(readFileSync(truthPath, 'utf8')) as Record<string, { url?: string; page_type?: string }>;
      const available = new Set(readdirSync(path.join(wcxb, 'html')));
      const pages = Object.keys(truth)
        .sort()
        .filter((id) => available.has(`${id}.html.gz`))
        .filter((id) => !types || types.includes(truth[id]!.page_type ?? ''))
        .map((id) => ({
          id,
          url: truth[id]!.url,
          read: () => gunzipSync(readFileSync(path.join(wcxb, 'html', `${id}.html.gz`))),
        }));
      const run = await extractAll(pages, path.join(tmp, 'wcxb.jsonl'));
      // A subset is scored against its own pages' truth (score.mjs counts a page without a prediction as missed).
      let scoredTruth = truthPath;
      if (types) {
        scoredTruth = path.join(tmp, 'wcxb-truth.json');
        writeFileSync(scoredTruth, JSON.stringify(Object.fromEntries(pages.map((p) => [p.id, truth[p.id]]))));
      }
      const s = score(scorer, run.predictions, scoredTruth);
      print('extract_f1_wcxb', s.f1);
      print('extract_precision_wcxb', s.precision);
      print('extract_recall_wcxb', s.recall);
      for (const t of s.types) print(`extract_f1_${t.type}`, t.f1);
      if (s.withFound !== null) print('extract_with_found', s.withFound);
      if (s.withoutAvoided !== null) print('extract_without_avoided', s.withoutAvoided);
      print('extract_pages_wcxb', pages.length);
      print('extract_skipped_wcxb', run.skipped);
      print('extract_failed_wcxb', run.failed);
      print('extract_pages_per_cpu_s', pages.length / run.cpuSeconds);
    }
  } finally {
    if (!keep) rmSync(tmp, { recursive: true, force: true });
  }
}

async function extractAll(
  pages: Page[],
  out: string,
): Promise<{ predictions: string; cpuSeconds: number; skipped: number; failed: number }> {
  // The benchmark scores whatever text extraction finds, however short or doubtful.
  // And it measures extraction, not the machine's load: the per-page time limit is the largest allowed.
  const refiner = new Refiner({ min_words: 1, min_extraction_quality: 0, timeout_ms: 600_000 });
  const lines: string[] = [];
  let cpuMicros = 0;
  let skipped = 0;
  let failed = 0;
  // Warm-up: start the worker thread and load its modules outside the measure.
  await refiner.extract({ html: '<p>warm up</p>' });
  for (const page of pages) {
    const html = page.read();
    const before = process.cpuUsage();
    const doc = await refiner.extract({ html, url: page.url });
    const used = process.cpuUsage(before);
    cpuMicros += used.user + used.system;
    if (doc.status === 'skipped') skipped++;
    if (doc.status === 'failed') {
      failed++;
      if (failed <= 5) console.error(`extract: ${page.id} failed: ${doc.reason}`);
    }
    lines.push(JSON.stringify({ id: page.id, text: doc.text }));
  }
  await refiner.close();
  writeFileSync(out, lines.join('\n') + '\n');
  return { predictions: out, cpuSeconds: cpuMicros / 1e6, skipped, failed };
}

/** Runs the benchmark's score.mjs on the predictions and reads its lines. */
function score(scorer: string, predictions: string, truth: string): Scored {
  const run = spawnSync(process.execPath, [scorer, predictions, truth], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`score.mjs failed: ${run.stderr}`);
  const out = run.stdout;
  const num = (re: RegExp) => {
    const m = re.exec(out);
    return m ? Number(m[1]) : null;
  };
  const types = [...out.matchAll(/^type=(\S+) pages=(\d+) precision=([\d.]+) recall=([\d.]+) f1=([\d.]+)$/gm)].map(
    (m) => ({ type: m[1]!, pages: Number(m[2]), precision: Number(m[3]), recall: Number(m[4]), f1: Number(m[5]) }),
  );
  return {
    f1: num(/^f1=([\d.]+)$/m) ?? NaN,
    precision: num(/^pages=\d+ missing=\d+ precision=([\d.]+)/m) ?? NaN,
    recall: num(/^pages=\d+ missing=\d+ precision=[\d.]+ recall=([\d.]+)/m) ?? NaN,
    types,
    withFound: num(/with_found=([\d.]+)/),
    withoutAvoided: num(/without_avoided=([\d.]+)/),
  };
}
