/**
 * Integration: PDFs and uploaded files through the whole pipeline in one
 * process (what `datafactory run` does): PDFs the fixture site serves (one
 * with a text layer, one scan without), and local files (Markdown, text,
 * HTML, PDF, Word) that enter at the refiner; the fake OpenAI-compatible
 * server writes the examples, a real SQLite file keeps the rows.
 */
import { type EntityManager, MikroORM } from '@mikro-orm/core';
import { loadConfig } from '@datafactory/config';
import { Chunk, createOrmConfig, RawDocument, TrainingExample } from '@datafactory/persistence';
import { estimateJob, JobInputError, readLocalUploads, validateUploads } from '@datafactory/pipeline';
import { runJobLocally } from '@datafactory/pipeline/worker';
import {
  distinctArticle,
  FakeOpenAiServer,
  FIXTURE_REPORT_PDF,
  FixtureSite,
  PDF_SENTENCES,
  qaFromPrompt,
  tempDir,
  tinyDocx,
  tinyPdf,
} from '@datafactory/testing';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const LIMITS = { maxFiles: 10, maxFileBytes: 1024 * 1024, maxTotalBytes: 4 * 1024 * 1024 };

const sentence = (topic: string, n: number) =>
  `The ${topic} note number ${n} records how the committee reviewed the ${topic} budget and agreed on the plan.`;

describe('PDFs and uploaded files through the pipeline', () => {
  let site: FixtureSite;
  let llm: FakeOpenAiServer;
  let dir: { path: string; remove: () => Promise<void> };

  beforeAll(async () => {
    site = await FixtureSite.start({ hosts: ['main'] });
    llm = new FakeOpenAiServer({ content: qaFromPrompt });
    await llm.start();
    dir = await tempDir();
  });
  afterAll(async () => {
    await site?.close();
    await llm?.stop();
    await dir?.remove();
  });

  const config = () =>
    loadConfig({
      DATA_DIR: path.join(dir.path, 'data'),
      OPENAI_BASE_URL: llm.baseUrl,
      LOG_LEVEL: 'silent',
      CRAWL_ALLOW_PRIVATE_NETWORKS: 'true',
    });

  const rows = async <T>(fn: (em: EntityManager) => Promise<T>): Promise<T> => {
    const orm = await MikroORM.init(createOrmConfig(config().database) as Parameters<typeof MikroORM.init>[0]);
    try {
      return await fn(orm.em.fork());
    } finally {
      await orm.close();
    }
  };

  it('extracts a PDF fetched like a page, with its pages in the chunks, and skips a scan as no_text_layer', async () => {
    const { job, funnel } = await runJobLocally(config(), {
      urls: [site.url('main', '/files/report.pdf'), site.url('main', '/files/scan.pdf')],
      jobConfig: {
        scraping: { requests_per_second: 50 },
        processing: { chunk_size: 60, chunk_overlap: 0, min_words: 5 },
        generation: { template: 'qa', examples_per_chunk: 1 },
        quality: { checks: ['format'] },
      },
    });
    expect(job.status, job.error ?? '').toBe('completed');
    expect(job.progress.crawler).toEqual({ total: 2, done: 2, failed: 0 });
    const refine = funnel!.stages.find((s) => s.stage === 'refine')!;
    expect(refine.outcomes.find((o) => o.outcome === 'ok')!.count).toBe(1);
    expect(refine.outcomes.flatMap((o) => o.reasons)).toEqual([{ code: 'no_text_layer', count: 1 }]);
    expect(funnel!.stages.every((s) => s.holds)).toBe(true);

    await rows(async (em) => {
      const docs = await em.find(RawDocument, { job: job.id }, { orderBy: { url: 'asc' } });
      const [report, scan] = docs;
      expect(report).toMatchObject({ contentType: 'application/pdf', refineStatus: 'ok', title: 'River Delta Report' });
      expect(report!.htmlPath).toMatch(/\.pdf$/);
      expect((report!.metadata as { refiner: { pdf: unknown } }).refiner.pdf).toEqual({
        pageCount: 2,
        pagesWithText: 2,
      });
      expect(scan).toMatchObject({ refineStatus: 'skipped' });
      expect(scan!.refineError).toMatch(/^no_text_layer: none of the 2 page\(s\)/);

      const chunks = await em.find(Chunk, { document: report!.id }, { orderBy: { chunkIndex: 'asc' } });
      expect(chunks.length).toBeGreaterThan(1);
      const pagesOf = (text: string) =>
        (chunks.find((c) => c.content.includes(text))!.metadata as { pages: number[] }).pages;
      expect(pagesOf(PDF_SENTENCES[0]!)).toEqual([1]);
      expect(pagesOf(PDF_SENTENCES[5]!)).toEqual([2]);
      expect(
        (chunks.find((c) => c.content.includes(PDF_SENTENCES[4]!))!.metadata as { headingPath: string[] }).headingPath,
      ).toEqual(['River Delta Report', 'Historical maps']);
      const examples = await em.find(TrainingExample, { job: job.id });
      expect(examples.length).toBe(chunks.length);
      expect(examples.every((e) => (e.lineage as { source: string }).source === 'web')).toBe(true);
    });
  }, 120_000);

  it('estimates PDFs from their text, and a scan as no_text_layer', async () => {
    const estimate = await estimateJob(config(), {
      urls: [site.url('main', '/files/report.pdf'), site.url('main', '/files/scan.pdf')],
      config: {
        scraping: { requests_per_second: 50 },
        processing: { chunk_size: 60, chunk_overlap: 0, min_words: 5 },
        generation: { template: 'qa', examples_per_chunk: 1 },
      },
    });
    // The sample lists pages as they finish (fetched and refined in parallel), not in the order given.
    const report = estimate.sample.find((s) => s.url.endsWith('/report.pdf'));
    const scan = estimate.sample.find((s) => s.url.endsWith('/scan.pdf'));
    expect(report).toMatchObject({ url: site.url('main', '/files/report.pdf'), status: 'ok' });
    expect(report!.chunks).toBeGreaterThan(1);
    expect(scan).toMatchObject({ status: 'skipped', chunks: 0 });
    expect(scan!.reason).toMatch(/^no_text_layer: /);
  });

  it('takes local files and folders at the refiner with source upload, alone or with URLs', async () => {
    const folder = path.join(dir.path, 'notes');
    mkdirSync(path.join(folder, 'more'), { recursive: true });
    writeFileSync(
      path.join(folder, 'budget.md'),
      `# Budget\n\n${[1, 2, 3].map((n) => sentence('budget', n)).join('\n\n')}\n`,
    );
    writeFileSync(path.join(folder, 'more', 'travel.txt'), [1, 2, 3].map((n) => sentence('travel', n)).join('\n\n'));
    writeFileSync(path.join(folder, 'more', 'page.html'), distinctArticle(77));
    writeFileSync(path.join(folder, 'image.png'), Buffer.from('89504e47', 'hex'));
    const pdf = path.join(dir.path, 'minutes.pdf');
    writeFileSync(
      pdf,
      tinyPdf([
        {
          lines: [
            { text: 'Minutes', size: 20 },
            ...[1, 2].map((n) => ({ text: sentence('minutes', n), gapBefore: 12 })),
          ],
        },
      ]),
    );
    const docx = path.join(dir.path, 'plan.docx');
    writeFileSync(
      docx,
      tinyDocx([{ text: 'Plan', heading: 1 }, ...[1, 2, 3].map((n) => ({ text: sentence('plan', n) }))]),
    );

    const { files, leftOut } = await readLocalUploads([folder, pdf, docx], LIMITS);
    expect(files.map((f) => f.name)).toEqual([
      'notes/budget.md',
      'notes/more/page.html',
      'notes/more/travel.txt',
      'minutes.pdf',
      'plan.docx',
    ]);
    expect(leftOut).toEqual(['notes/image.png']);

    const { job, funnel } = await runJobLocally(config(), {
      urls: [site.url('main', '/doc/3')],
      files,
      jobConfig: {
        scraping: { requests_per_second: 50 },
        processing: { min_words: 5 },
        generation: { template: 'qa', examples_per_chunk: 1 },
        quality: { checks: ['format'] },
      },
    });
    expect(job.status, job.error ?? '').toBe('completed');
    expect(job.config.urls).toEqual([
      site.url('main', '/doc/3'),
      'upload:notes/budget.md',
      'upload:notes/more/page.html',
      'upload:notes/more/travel.txt',
      'upload:minutes.pdf',
      'upload:plan.docx',
    ]);
    expect(job.progress.crawler).toEqual({ total: 6, done: 6, failed: 0 });
    expect(job.progress.refiner).toMatchObject({ total: 6, done: 6 });
    const fetch = funnel!.stages.find((s) => s.stage === 'fetch')!;
    expect(fetch.input).toBe(6);
    expect(funnel!.stages.find((s) => s.stage === 'refine')!.outcomes.find((o) => o.outcome === 'ok')!.count).toBe(6);
    expect(funnel!.stages.every((s) => s.holds)).toBe(true);

    await rows(async (em) => {
      const docs = await em.find(RawDocument, { job: job.id });
      const uploads = docs.filter((d) => d.url.startsWith('upload:'));
      expect(uploads).toHaveLength(5);
      for (const d of uploads) {
        expect(d.metadata).toMatchObject({ source: 'upload' });
        expect(d).toMatchObject({ scrapeStatus: 'ok', refineStatus: 'ok', fetchMethod: null });
      }
      expect(uploads.find((d) => d.url === 'upload:plan.docx')!.contentType).toBe(
        'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      );
      const examples = await em.find(TrainingExample, { job: job.id }, { populate: ['chunk'] });
      const lineage = examples.map((e) => e.lineage as { source: string; sourceUrl: string });
      expect(
        lineage
          .filter((l) => l.source === 'upload')
          .map((l) => l.sourceUrl)
          .sort(),
      ).toEqual(expect.arrayContaining(['upload:minutes.pdf', 'upload:notes/budget.md', 'upload:plan.docx']));
      expect(lineage.filter((l) => l.source === 'web').map((l) => l.sourceUrl)).toEqual(
        expect.arrayContaining([site.url('main', '/doc/3')]),
      );
      const budget = await em.findOneOrFail(Chunk, {
        document: uploads.find((d) => d.url === 'upload:notes/budget.md')!.id,
      });
      expect(budget.content).toContain(sentence('budget', 2));
      expect((budget.metadata as { headingPath: string[] }).headingPath).toEqual(['Budget']);
    });
  }, 120_000);

  it('refuses bad files with a message naming each one, before a job exists', async () => {
    const problems = (files: { name: string; bytes: Uint8Array }[], limits = LIMITS) => {
      try {
        validateUploads(files, limits);
        return [];
      } catch (e) {
        expect(e).toBeInstanceOf(JobInputError);
        return (e as JobInputError).problems;
      }
    };
    expect(
      problems([
        { name: 'ok.md', bytes: Buffer.from('# fine') },
        { name: 'run.exe', bytes: Buffer.from('MZ') },
        { name: 'empty.txt', bytes: new Uint8Array() },
        { name: 'fake.pdf', bytes: Buffer.from('<html>not a pdf</html>') },
        { name: 'fake.docx', bytes: Buffer.from('plain') },
        { name: 'big.pdf', bytes: Buffer.concat([FIXTURE_REPORT_PDF, Buffer.alloc(LIMITS.maxFileBytes)]) },
      ]),
    ).toEqual([
      'files[1] "run.exe": type .exe is not accepted; send .html, .htm, .md, .markdown, .txt, .pdf, .docx',
      'files[2] "empty.txt" is empty',
      'files[3] "fake.pdf" is not a PDF file',
      'files[4] "fake.docx" is not a Word (.docx) file',
      'files[5] "big.pdf" is 1 MB; at most 1 MB per file (UPLOAD_MAX_FILE_MB)',
    ]);
    expect(problems(Array.from({ length: 11 }, (_, i) => ({ name: `${i}.txt`, bytes: Buffer.from('x') })))).toEqual([
      'files: 11 files; at most 10 per job (UPLOAD_MAX_FILES)',
    ]);
    // A name keeps no folder above its own, and two files of one name get distinct URLs.
    const accepted = validateUploads(
      [
        { name: '../../etc/a.txt', bytes: Buffer.from('x') },
        { name: 'etc/a.txt', bytes: Buffer.from('y') },
      ],
      LIMITS,
    );
    expect(accepted.map((a) => a.url)).toEqual(['upload:etc/a.txt', 'upload:etc/a.txt~2']);
    await expect(readLocalUploads([path.join(dir.path, 'missing.md')], LIMITS)).rejects.toThrow(
      /missing\.md: no such file or folder \(and not a URL\)/,
    );
  });
});
