/**
 * `npm run bench -- refine [BENCH_DIR]`: the refiner's figures, as name=value lines.
 *
 * - extract_f1: extraction through the production path (Refiner, worker thread) on
 *   ../shared/extraction-bench, scored by its score.mjs; pages/s and MB/s on one core.
 * - chunk_mb_per_s: the recursive chunker at 512 tokens (o200k_base) on the extracted texts.
 * - dedup_chunks_per_s: Deduplicator.add on 10,000 chunks of ~512 tokens, of which 1,000
 *   are planted near-duplicates (2% of words replaced); dedup_recall counts the planted
 *   pairs whose true Jaccard is at or above the threshold that were found.
 * - redact_mb_per_s: redactPii (every kind on) over the same texts; redact_found counts what it replaced
 *   (real pages hold few values, so this is mostly the cost of scanning).
 * - peak_rss_mb: the process's peak resident memory.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PACKAGE_ROOT } from '@datafactory/config';
import { chunk, Deduplicator, getTokenizer, MinHasher, redactPii, Refiner } from '@datafactory/refiner';

const print = (name: string, value: number | string) =>
  console.log(`${name}=${typeof value === 'number' ? Number(value.toFixed(3)) : value}`);

export async function run(args: string[]): Promise<void> {
  const benchDir = path.resolve(args[0] ?? path.join(PACKAGE_ROOT, '..', 'shared', 'extraction-bench'));
  const texts = existsSync(path.join(benchDir, 'html')) ? await extraction(benchDir) : [];
  if (!texts.length) console.error(`bench refine: no extraction bench at ${benchDir}; extraction figures skipped`);
  chunking(texts.length ? texts : [syntheticText(200_000, 7)]);
  redaction(texts.length ? texts : [syntheticText(200_000, 7)]);
  dedup(texts.join(' ') || syntheticText(50_000, 9));
  print('peak_rss_mb', process.resourceUsage().maxRSS / 1024);
}

async function extraction(benchDir: string): Promise<string[]> {
  const truth = JSON.parse(readFileSync(path.join(benchDir, 'ground-truth.json'), 'utf8')) as Record<
    string,
    { url?: string }
  >;
  const files = readdirSync(path.join(benchDir, 'html'))
    .filter((f) => f.endsWith('.html'))
    .sort();
  const refiner = new Refiner();
  const lines: string[] = [];
  const texts: string[] = [];
  let bytes = 0;
  let empty = 0;
  // Warm-up: start the worker thread and load its modules outside the timing.
  await refiner.extract({ html: '<p>warm up</p>' });
  const started = performance.now();
  for (const f of files) {
    const html = readFileSync(path.join(benchDir, 'html', f));
    bytes += html.byteLength;
    const doc = await refiner.extract({ html, url: truth[f.split('.')[0]!]?.url });
    if (!doc.text) empty++;
    texts.push(doc.text);
    lines.push(JSON.stringify({ file: f, text: doc.text }));
  }
  const seconds = (performance.now() - started) / 1000;
  await refiner.close();

  const tmp = mkdtempSync(path.join(os.tmpdir(), 'df-bench-refine-'));
  try {
    const predictions = path.join(tmp, 'predictions.jsonl');
    writeFileSync(predictions, lines.join('\n') + '\n');
    const scored = spawnSync(process.execPath, [path.join(benchDir, 'score.mjs'), predictions], { encoding: 'utf8' });
    const f1 = /^f1=([\d.]+)/m.exec(scored.stdout)?.[1];
    const summary = /precision=([\d.]+) recall=([\d.]+)/.exec(scored.stdout);
    print('extract_f1', f1 ? Number(f1) : 'error');
    if (summary) {
      print('extract_precision', Number(summary[1]));
      print('extract_recall', Number(summary[2]));
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  print('extract_pages', files.length);
  print('extract_empty_pages', empty);
  print('extract_pages_per_s', files.length / seconds);
  print('extract_mb_per_s', bytes / 1024 / 1024 / seconds);
  return texts;
}

function chunking(texts: string[]): void {
  const tokenizer = getTokenizer('gpt-4o-mini');
  // Enough text for a stable figure: the corpus, several times over.
  const rounds = Math.max(1, Math.ceil((4 * 1024 * 1024) / texts.reduce((n, t) => n + t.length, 1)));
  let chars = 0;
  let chunks = 0;
  const started = performance.now();
  for (let r = 0; r < rounds; r++) {
    for (const text of texts) {
      chars += Buffer.byteLength(text);
      chunks += chunk(text, { chunkSize: 512, strategy: 'recursive', tokenizer }).length;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  print('chunk_mb_per_s', chars / 1024 / 1024 / seconds);
  print('chunk_chunks', chunks);
}

function redaction(texts: string[]): void {
  const rounds = Math.max(1, Math.ceil((4 * 1024 * 1024) / texts.reduce((n, t) => n + t.length, 1)));
  let chars = 0;
  let found = 0;
  const started = performance.now();
  for (let r = 0; r < rounds; r++) {
    for (const text of texts) {
      chars += Buffer.byteLength(text);
      for (const n of Object.values(redactPii(text).counts)) found += n;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  print('redact_mb_per_s', chars / 1024 / 1024 / seconds);
  print('redact_found', found / rounds);
}

/** A deterministic pseudo-random generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function syntheticText(words: number, seed: number): string {
  const random = rng(seed);
  const syllables = [
    'da',
    'ta',
    'fac',
    'to',
    'ry',
    're',
    'fi',
    'ner',
    'chunk',
    'tok',
    'en',
    'page',
    'web',
    'lan',
    'guage',
  ];
  return Array.from({ length: words }, () =>
    Array.from({ length: 1 + Math.floor(random() * 3) }, () => syllables[Math.floor(random() * syllables.length)]).join(
      '',
    ),
  ).join(' ');
}

function dedup(corpus: string): void {
  const threshold = 0.8;
  const vocabulary = [...new Set(corpus.split(/\s+/).filter((w) => /\p{L}/u.test(w)))];
  const random = rng(42);
  const pick = () => vocabulary[Math.floor(random() * vocabulary.length)]!;
  const tokenizer = getTokenizer('gpt-4o-mini');
  // ~512 tokens: calibrate the words per chunk on a sample.
  const sample = Array.from({ length: 400 }, pick).join(' ');
  const wordsPerChunk = Math.round((400 * 512) / tokenizer.count(sample));

  const total = 10_000;
  const planted = 1_000;
  const originals: string[][] = [];
  const items: Array<{ id: string; words: string[]; plantedFrom: number | null }> = [];
  for (let i = 0; i < total - planted; i++) {
    const words = Array.from({ length: wordsPerChunk }, pick);
    originals.push(words);
    items.push({ id: `c${i}`, words, plantedFrom: null });
  }
  for (let p = 0; p < planted; p++) {
    const from = Math.floor(random() * (total - planted));
    const words = originals[from]!.map((w) => (random() < 0.02 ? pick() : w));
    // Planted copies land after their original, anywhere later in the stream.
    const at = items.findIndex((it) => it.id === `c${from}`);
    items.splice(at + 1 + Math.floor(random() * (items.length - at)), 0, { id: `n${p}`, words, plantedFrom: from });
  }
  const texts = items.map((i) => i.words.join(' '));
  const tokens = texts.slice(0, 200).reduce((n, t) => n + tokenizer.count(t), 0) / 200;

  const deduplicator = new Deduplicator({ threshold });
  const started = performance.now();
  const verdicts = texts.map((t, i) => deduplicator.add(items[i]!.id, t));
  const seconds = (performance.now() - started) / 1000;

  // Recall over planted pairs whose true Jaccard (exact shingle sets) reaches the threshold.
  const hasher = new MinHasher(128, 3);
  let eligible = 0;
  let found = 0;
  let falsePositives = 0;
  let jaccardSum = 0;
  items.forEach((item, i) => {
    const v = verdicts[i]!;
    if (item.plantedFrom === null) {
      if (v.duplicateOf) falsePositives++;
      return;
    }
    const a = new Set(hasher.shingles(texts[i]!));
    const b = hasher.shingles(originals[item.plantedFrom]!.join(' '));
    const inter = b.filter((x) => a.has(x)).length;
    const jaccard = inter / (a.size + new Set(b).size - inter);
    jaccardSum += jaccard;
    if (jaccard >= threshold) {
      eligible++;
      if (v.duplicateOf) found++;
    }
  });
  print('dedup_chunks', total);
  print('dedup_tokens_per_chunk', tokens);
  print('dedup_chunks_per_s', total / seconds);
  print('dedup_planted', planted);
  print('dedup_planted_mean_jaccard', jaccardSum / planted);
  print('dedup_recall', eligible ? found / eligible : 0);
  print('dedup_false_positive_rate', falsePositives / (total - planted));
  print('dedup_rate', verdicts.filter((v) => v.duplicateOf).length / total);
}
