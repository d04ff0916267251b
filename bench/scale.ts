import { MikroORM } from '@mikro-orm/core';
import { loadConfig } from '@datafactory/config';
import { createOrmConfig } from '@datafactory/persistence';
import { distinctArticle, tempDir } from '@datafactory/testing';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runScaleWorkers } from './scale-workers.js';

/** The checkout (this file runs as dist/bench/scale.js). */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * `npm run bench -- scale [--pages N[,N...]] [--cli PATH]`: a job as a new
 * user runs it, `datafactory run --urls FILE --template none`, over a local
 * site of N distinct pages on 10 hosts (no rate limit to speak of), for each
 * N (default 1,000 and 10,000), in a child process whose peak RSS is read
 * from /proc (VmHWM), its CPU time from /proc/<pid>/stat. Prints per N:
 * scale_pages, scale_wall_s, scale_pages_per_s, scale_cpu_s,
 * scale_peak_rss_mb, scale_dups_planted, scale_dups_found (a planted pair
 * whose copy, or source when the copy came first, has most chunks pointing
 * across the pair), scale_false_positives (any other duplicate_of), and
 * scale_per_page_ratio / scale_cpu_per_page_ratio (per-page time at the
 * largest N over that at the smallest). SCALE_NODE_OPTIONS passes node flags
 * to the run, SCALE_DEBUG=1 lists false positives and misses.
 *
 * Pages: the article texts of ../shared/wcxb-dev and ../shared/extraction-bench
 * (the ground-truth bodies), each page one source's paragraphs (topped up
 * from others to ~700 words) with 30% of the words replaced by words of the
 * corpus, seeded by the page number, so two pages from the same source share
 * few 3-word shingles (Jaccard ≈ 0.2, far below the 0.8 threshold). Every
 * 20th page (5%) is a planted near-duplicate of the page 7 before it (another
 * host): the same text with 1% of the words changed and its own title.
 * Without ../shared it says so and falls back to libs/testing's generated
 * articles. `--cli` runs another checkout's built CLI (a before/after).
 */
export async function run(args: string[]): Promise<void> {
  // `--workers K`: the distributed path instead (bench/scale-workers.ts).
  if (args.includes('--workers')) return runScaleWorkers(args);
  const opt = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const sizes = (opt('--pages') ?? '1000,10000').split(',').map(Number);
  const cli = path.resolve(opt('--cli') ?? path.join(ROOT, 'dist', 'apps', 'cli', 'src', 'main.js'));
  const corpus = loadCorpus();
  console.log(`scale_corpus=${corpus ? `shared:${corpus.sources.length}` : 'generated'}`);
  const results: { pages: number; wall: number; cpu: number }[] = [];
  for (const pages of sizes) {
    const r = await runOnce(pages, corpus, cli);
    results.push({ pages, wall: r.wall, cpu: r.cpu });
    console.log(`scale_pages=${pages}`);
    console.log(`scale_status=${r.status}`);
    console.log(`scale_wall_s=${r.wall.toFixed(1)}`);
    console.log(`scale_pages_per_s=${(pages / r.wall).toFixed(2)}`);
    console.log(`scale_cpu_s=${r.cpu.toFixed(1)}`);
    console.log(`scale_peak_rss_mb=${r.peakRssMb}`);
    console.log(`scale_chunks=${r.chunks}`);
    console.log(`scale_dups_planted=${r.planted}`);
    console.log(`scale_dups_found=${r.found}`);
    console.log(`scale_false_positives=${r.falsePositives}`);
  }
  if (results.length > 1) {
    const first = results[0]!;
    const last = results[results.length - 1]!;
    console.log(`scale_per_page_ratio=${(last.wall / last.pages / (first.wall / first.pages)).toFixed(3)}`);
    console.log(`scale_cpu_per_page_ratio=${(last.cpu / last.pages / (first.cpu / first.pages)).toFixed(3)}`);
  }
}

export interface Corpus {
  sources: string[][];
  vocabulary: string[];
}

export function loadCorpus(): Corpus | null {
  const shared = path.resolve(ROOT, '..', 'shared');
  const files = [
    path.join(shared, 'wcxb-dev', 'truth.json'),
    path.join(shared, 'extraction-bench', 'ground-truth.json'),
  ];
  if (!files.every(existsSync)) {
    console.error(`scale: ${shared} is absent: using libs/testing's generated articles instead`);
    return null;
  }
  const sources: string[][] = [];
  const words = new Set<string>();
  for (const file of files) {
    const truth = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { articleBody?: string }>;
    for (const entry of Object.values(truth)) {
      const paragraphs = (entry.articleBody ?? '')
        .split(/\n\s*\n/)
        .map((p) => p.replace(/\s+/g, ' ').trim())
        .filter((p) => p.split(' ').length >= 12);
      if (paragraphs.length === 0 || repetitive(paragraphs)) continue;
      sources.push(paragraphs);
      for (const p of paragraphs) for (const w of p.toLowerCase().match(/\p{L}{3,}/gu) ?? []) words.add(w);
    }
  }
  return { sources, vocabulary: [...words] };
}

/**
 * A source whose word 4-grams are under 80% distinct (a shop listing of one phrase repeated, a table
 * flattened to text) is left out: two 30%-rewritten pages of it keep most of their shingles and are
 * near-duplicates in fact, which the benchmark would count as false positives. 52 of the 1,512
 * sources are left out so.
 */
function repetitive(paragraphs: string[]): boolean {
  const words = paragraphs.join(' ').toLowerCase().split(/\s+/);
  const shingles: string[] = [];
  for (let i = 0; i + 4 <= words.length; i++) shingles.push(words.slice(i, i + 4).join(' '));
  return shingles.length > 0 && new Set(shingles).size / shingles.length < 0.8;
}

function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Page n's paragraphs (a distinct rewrite of its source). */
function distinctParagraphs(n: number, corpus: Corpus): string[] {
  const next = random(n * 2654435761 + 7);
  const out: string[] = [];
  let words = 0;
  for (let k = 0; words < 700 && k < 20; k++) {
    const source = corpus.sources[(n + k * 7919) % corpus.sources.length]!;
    for (const p of source) {
      if (words >= 700) break;
      const rewritten = p
        .split(' ')
        .map((w) => (next() < 0.3 ? corpus.vocabulary[Math.floor(next() * corpus.vocabulary.length)]! : w))
        .join(' ');
      out.push(rewritten);
      words += rewritten.split(' ').length;
    }
  }
  return out;
}

/** 1% of the words changed: a near-duplicate (Jaccard of 3-word shingles ≈ 0.94). */
function nearCopy(paragraphs: string[], n: number, corpus: Corpus): string[] {
  const next = random(n * 40503 + 11);
  return paragraphs.map((p) =>
    p
      .split(' ')
      .map((w) => (next() < 0.01 ? corpus.vocabulary[Math.floor(next() * corpus.vocabulary.length)]! : w))
      .join(' '),
  );
}

const PLANT_EVERY = 20;
const PLANT_OFFSET = 7;
const isPlanted = (n: number) => n % PLANT_EVERY === PLANT_EVERY - 1;

function pageHtml(n: number, corpus: Corpus | null): string {
  const source = isPlanted(n) ? n - PLANT_OFFSET : n;
  if (!corpus) return distinctArticle(source).replace(/Field notes \d+/g, `Field notes ${n}`);
  let paragraphs = distinctParagraphs(source, corpus);
  if (isPlanted(n)) paragraphs = nearCopy(paragraphs, n, corpus);
  const title = `Article ${n}: ${paragraphs[0]!.split(' ').slice(0, 6).join(' ')}`;
  const body = paragraphs.map(
    (p, i) => (i > 0 && i % 4 === 0 ? `<h2>Part ${i / 4}</h2>` : '') + `<p>${escapeHtml(p)}</p>`,
  );
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body>` +
    `<header><nav><a href="/">Home</a> <a href="/about">About</a></nav></header>` +
    `<main><article><h1>${escapeHtml(title)}</h1>${body.join('')}</article></main>` +
    `<footer><p>Example site footer, all rights reserved.</p></footer></body></html>`
  );
}

export async function serve(
  hosts: number,
  corpus: Corpus | null,
): Promise<{ ports: number[]; close: () => Promise<void> }> {
  const servers: Server[] = [];
  const ports: number[] = [];
  for (let h = 0; h < hosts; h++) {
    const server = createServer((req, res) => {
      const m = /^\/p\/(\d+)$/.exec(req.url ?? '');
      if (!m) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      const body = Buffer.from(pageHtml(Number(m[1]), corpus), 'utf8');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': body.length }).end(body);
    });
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    servers.push(server);
    ports.push((server.address() as AddressInfo).port);
  }
  return {
    ports,
    close: async () => {
      for (const s of servers) s.closeAllConnections();
      await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    },
  };
}

async function runOnce(pages: number, corpus: Corpus | null, cli: string) {
  const hosts = 10;
  const site = await serve(hosts, corpus);
  const dir = await tempDir('df-bench-scale-');
  try {
    const urls = Array.from({ length: pages }, (_, n) => `http://127.0.0.1:${site.ports[n % hosts]}/p/${n}`);
    const urlFile = path.join(dir.path, 'urls.txt');
    await writeFile(urlFile, urls.join('\n'));
    const configFile = path.join(dir.path, 'job.json');
    await writeFile(
      configFile,
      JSON.stringify({
        scraping: { requests_per_second: 1000, max_concurrent: 16, max_pages: pages, respect_robots_txt: true },
      }),
    );
    const dataDir = path.join(dir.path, 'data');
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? dir.path,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      CRAWL_ALLOW_PRIVATE_NETWORKS: 'true',
      // Node flags for the run (e.g. --max-old-space-size=256 to see what the heap holds when pressed).
      ...(process.env.SCALE_NODE_OPTIONS ? { NODE_OPTIONS: process.env.SCALE_NODE_OPTIONS } : {}),
      // glibc's malloc arenas (MALLOC_ARENA_MAX=2 to see how much of the RSS is fragmentation across threads).
      ...(process.env.MALLOC_ARENA_MAX ? { MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX } : {}),
    };
    const started = performance.now();
    const child = spawn(
      process.execPath,
      [cli, 'run', '--urls', urlFile, '--config', configFile, '--template', 'none', '--allow-private-networks'],
      { cwd: path.resolve(cli, '../../../../..'), env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
    child.stderr.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
    let peakKb = 0;
    let cpuTicks = 0;
    const sample = () => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
        // utime + stime (+ children's): CPU time, which a machine shared with other work slows less than the wall.
        const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        cpuTicks = Math.max(
          cpuTicks,
          [11, 12, 13, 14].reduce((sum, i) => sum + Number(stat[i]), 0),
        );
      } catch {
        // exited
      }
    };
    const sampler = setInterval(sample, 250);
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    clearInterval(sampler);
    const wall = (performance.now() - started) / 1000;
    if (code !== 0) console.error(`scale: datafactory run exited ${code}:\n${output}`);
    const status = /job \S+: (\w+)/.exec(output)?.[1] ?? `exit ${code}`;
    const dedup = await countDuplicates(dataDir, pages);
    return { wall, cpu: cpuTicks / 100, status, peakRssMb: Math.round(peakKb / 1024), ...dedup };
  } finally {
    await site.close();
    await dir.remove();
  }
}

/**
 * Reads the job's chunks back: a planted page is found when most of its
 * chunks are duplicates of chunks of the page it copies; a false positive is
 * a chunk of a distinct page marked duplicate, or a planted page's chunk
 * pointing anywhere else.
 */
async function countDuplicates(dataDir: string, pages: number) {
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
  const orm = await MikroORM.init(createOrmConfig(config.database));
  try {
    const rows = (await orm.em.getConnection().execute(
      `select d.url as url, c.duplicate_of_id as dup, od.url as orig
         from chunks c join raw_documents d on d.id = c.document_id
         left join chunks o on o.id = c.duplicate_of_id left join raw_documents od on od.id = o.document_id`,
      [],
      'all',
    )) as { url: string; dup: string | null; orig: string | null }[];
    const pageOf = (url: string | null) => (url ? Number(/\/p\/(\d+)$/.exec(url)?.[1] ?? -1) : -1);
    // The planted page and the page it copies: whichever was refined first is the original.
    const pairOf = (n: number) => (isPlanted(n) ? n : isPlanted(n + PLANT_OFFSET) ? n + PLANT_OFFSET : -1);
    const perPair = new Map<number, { chunks: number; linked: number }>();
    let falsePositives = 0;
    for (const r of rows) {
      const n = pageOf(r.url);
      const pair = pairOf(n);
      if (!r.dup) continue;
      if (pair >= 0 && pairOf(pageOf(r.orig)) === pair) {
        const entry = perPair.get(pair) ?? { chunks: 0, linked: 0 };
        entry.linked++;
        perPair.set(pair, entry);
      } else {
        falsePositives++;
        if (process.env.SCALE_DEBUG) console.error(`false positive: ${r.url} -> ${r.orig}`);
      }
    }
    const chunksOf = new Map<number, number>();
    for (const r of rows) chunksOf.set(pageOf(r.url), (chunksOf.get(pageOf(r.url)) ?? 0) + 1);
    let planted = 0;
    let found = 0;
    for (let n = 0; n < pages; n++) {
      if (!isPlanted(n)) continue;
      planted++;
      // Found: most chunks of the copy (or of its source, when the copy came first) point across the pair.
      const linked = perPair.get(n)?.linked ?? 0;
      if (linked * 2 > Math.min(chunksOf.get(n) ?? 0, chunksOf.get(n - PLANT_OFFSET) ?? 0)) found++;
      else if (process.env.SCALE_DEBUG) console.error(`missed: ${n} (${linked} chunks linked)`);
    }
    return { chunks: rows.length, planted, found, falsePositives };
  } finally {
    await orm.close(true);
  }
}
