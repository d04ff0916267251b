/**
 * Integration: provenance and rights through the whole pipeline in one
 * process (what `datafactory run` does): the fixture site's /rights pages
 * (one per kind of rights statement, and a tdmrep.json), the fake
 * OpenAI-compatible server, a real SQLite file, the real stage libs. No
 * Redis. Asserted on the stored rows, the export file and the card.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { MikroORM } from '@mikro-orm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@datafactory/config';
import { Chunk, createOrmConfig, RawDocument, TrainingExample } from '@datafactory/persistence';
import { runJobLocally } from '@datafactory/pipeline/worker';
import { Refiner } from '@datafactory/refiner';
import {
  FakeOpenAiServer,
  FixtureSite,
  qaFromPrompt,
  RIGHTS_PAGES,
  RIGHTS_VALIDATORS,
  type RightsPageKind,
  TDMREP_PATH,
  tempDir,
} from '@datafactory/testing';

const KINDS = Object.keys(RIGHTS_PAGES) as RightsPageKind[];
const OPEN = KINDS.filter((k) => !RIGHTS_PAGES[k].reserved);
const RESERVED = KINDS.filter((k) => RIGHTS_PAGES[k].reserved);

interface ExportedRecord {
  source_url: string;
  license: string | null;
  provenance: {
    url: string;
    final_url: string | null;
    fetched_at: string | null;
    http_status: number | null;
    etag: string | null;
    last_modified: string | null;
    text_sha256: string | null;
    chunk_start: number | null;
    chunk_end: number | null;
    license: string | null;
    tdm_reservation: 0 | 1 | null;
    tdm_policy: string | null;
    terms: {
      robots_meta: string[];
      x_robots_tag: string[];
      tdm: Record<'tdmrep_json' | 'http_header' | 'html_meta', { reservation: 0 | 1; policy: string | null } | null>;
      license: { id: string | null } | null;
    } | null;
  };
}

describe('provenance and rights in the pipeline', () => {
  let site: FixtureSite;
  let llm: FakeOpenAiServer;
  let dir: { path: string; remove: () => Promise<void> };

  beforeAll(async () => {
    site = await FixtureSite.start({ hosts: ['main', 'other'] });
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
      DATA_DIR: dir.path,
      OPENAI_BASE_URL: llm.baseUrl,
      LOG_LEVEL: 'silent',
      CRAWL_ALLOW_PRIVATE_NETWORKS: 'true',
    });
  const rowsOf = async (jobId: string) => {
    const orm = await MikroORM.init(createOrmConfig(config().database) as Parameters<typeof MikroORM.init>[0]);
    try {
      const em = orm.em.fork();
      return {
        documents: await em.find(RawDocument, { job: jobId }),
        chunks: await em.find(Chunk, { job: jobId }, { populate: ['document'] }),
        examples: await em.find(TrainingExample, { job: jobId }, { populate: ['chunk'] }),
      };
    } finally {
      await orm.close();
    }
  };
  const readJsonl = (file: string): ExportedRecord[] =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as ExportedRecord);

  it('skips reserved pages as tdm_reserved and exports every example with its source, terms, hash and offsets', async () => {
    const before = site.requestsTo('main', TDMREP_PATH).length;
    const { job, export: exported } = await runJobLocally(config(), {
      urls: KINDS.map((k) => site.url('main', `/rights/${k}`)),
      jobConfig: {
        scraping: { requests_per_second: 50 },
        generation: { template: 'qa', examples_per_chunk: 2 },
        quality: { checks: ['format'] },
        export: { format: 'jsonl' },
      },
    });
    expect(job.status, job.error ?? '').toBe('completed');
    expect(site.requestsTo('main', TDMREP_PATH).length - before).toBe(1);

    const { documents, chunks, examples } = await rowsOf(job.id);
    // Each example's lineage says where its chunk sits in the page's extracted text.
    expect(examples.length).toBeGreaterThan(0);
    for (const e of examples) {
      const span = e.chunk.metadata as { start: number; end: number };
      expect(e.lineage).toMatchObject({ chunkStart: span.start, chunkEnd: span.end });
    }
    for (const kind of KINDS) {
      const doc = documents.find((d) => d.url === site.url('main', `/rights/${kind}`))!;
      expect(doc.scrapeStatus, kind).toBe(RIGHTS_PAGES[kind].reserved ? 'skipped' : 'ok');
      if (RIGHTS_PAGES[kind].reserved) expect(doc.metadata.reasonCode, kind).toBe('tdm_reserved');
      expect(doc.metadata.terms, kind).toBeDefined();
    }

    // Re-extracting a stored page gives the text whose hash the document keeps, and the chunk's offsets point into it.
    const refiner = new Refiner({}, { isolate: false });
    const texts = new Map<string, string>();
    try {
      for (const doc of documents.filter((d) => d.scrapeStatus === 'ok')) {
        const refined = await refiner.refine({
          html: readFileSync(path.resolve(dir.path, doc.htmlPath!), 'utf8'),
          url: doc.finalUrl,
        });
        texts.set(doc.finalUrl ?? doc.url, refined.text);
        const meta = doc.metadata.refiner as { textSha256: string };
        expect(meta.textSha256).toBe(createHash('sha256').update(refined.text).digest('hex'));
      }
    } finally {
      await refiner.close();
    }
    expect(chunks.length).toBeGreaterThanOrEqual(OPEN.length);

    const records = readJsonl(path.join(dir.path, exported!.filePath, 'data.jsonl'));
    expect(records.length).toBeGreaterThan(0);
    const sources = new Set(records.map((r) => r.source_url));
    expect([...sources].sort()).toEqual(OPEN.map((k) => site.url('main', `/rights/${k}`)).sort());
    for (const r of records) {
      const p = r.provenance;
      expect(p).toMatchObject({
        url: r.source_url,
        final_url: r.source_url,
        http_status: 200,
        etag: RIGHTS_VALIDATORS.etag,
        last_modified: RIGHTS_VALIDATORS['last-modified'],
      });
      expect(Date.parse(p.fetched_at!)).toBeGreaterThan(Date.parse('2020-01-01'));
      const text = texts.get(r.source_url)!;
      expect(p.text_sha256).toBe(createHash('sha256').update(text).digest('hex'));
      expect(p.chunk_start).toBeGreaterThanOrEqual(0);
      expect(p.chunk_end).toBeGreaterThan(p.chunk_start!);
      expect(p.chunk_end).toBeLessThanOrEqual(text.length);
      const chunk = chunks.find(
        (c) => c.document.url === r.source_url && (c.metadata as { start: number }).start === p.chunk_start,
      )!;
      expect(chunk.content).toContain(text.slice(p.chunk_start!, p.chunk_end!).trim().slice(0, 200));
    }
    const cc = records.find((r) => r.source_url.endsWith('/rights/cc-by'))!;
    expect(cc.license).toBe('CC-BY-4.0');
    expect(cc.provenance).toMatchObject({ license: 'CC-BY-4.0', tdm_reservation: 0, tdm_policy: null });
    expect(cc.provenance.terms).toMatchObject({
      robots_meta: ['noindex'],
      tdm: { tdmrep_json: { reservation: 0, policy: null }, http_header: null, html_meta: null },
      license: { id: 'CC-BY-4.0' },
    });
    const none = records.find((r) => r.source_url.endsWith('/rights/none'))!;
    expect(none.provenance).toMatchObject({ license: null, tdm_reservation: null });
    // Every record has every field (a schema reader never meets an empty struct).
    expect(none.provenance.terms).toEqual({
      robots_meta: [],
      x_robots_tag: [],
      tdm: { tdmrep_json: null, http_header: null, html_meta: null },
      license: null,
    });

    const card = readFileSync(path.join(dir.path, exported!.filePath, 'README.md'), 'utf8');
    expect(card).toContain('## Sources and their terms');
    expect(card).toContain(
      `- Sources: ${OPEN.length}; stating a license: 1 (CC-BY-4.0 ×1); reserving TDM rights: 0; TDM explicitly not reserved: 1; no statement: 2`,
    );
    expect(card).toContain(`: ${RESERVED.length} pages (\`tdm_reserved\`).`);
    expect(card).toMatch(
      new RegExp(
        `\\| ${site.url('main', '/rights/cc-by').replace(/[.]/g, '\\.')} \\| [0-9T:.-]+Z \\| 200 \\| CC-BY-4\\.0 \\| not reserved \\(tdmrep\\.json\\) \\| noindex \\(meta\\) \\|`,
      ),
    );
    expect(card).toMatch(/\| fetch \| 8 urls \| ok 3 \| skipped 5 \(tdm_reserved ×5\) \|/);
  });

  it('with respect_ai_reservations false keeps reserved pages, with their terms in the corpus export and the card', async () => {
    const { job, export: exported } = await runJobLocally(config(), {
      urls: KINDS.map((k) => site.url('other', `/rights/${k}`)),
      jobConfig: {
        scraping: { requests_per_second: 50, respect_ai_reservations: false },
        generation: { template: 'none' },
        export: { format: 'jsonl' },
      },
    });
    expect(job.status, job.error ?? '').toBe('completed');
    const folder = path.join(dir.path, exported!.filePath);
    const records = readJsonl(path.join(folder, 'data.jsonl'));
    const byPage = new Map(records.map((r) => [new URL(r.source_url).pathname.split('/').pop()!, r.provenance]));
    expect([...byPage.keys()].sort()).toEqual([...KINDS].sort());
    expect(byPage.get('tdmrep')).toMatchObject({
      tdm_reservation: 1,
      tdm_policy: 'https://fixture.example/tdm-policy.json',
    });
    expect(byPage.get('tdm-header')?.terms?.tdm).toEqual({
      tdmrep_json: null,
      http_header: { reservation: 1, policy: 'https://fixture.example/tdm-policy.json' },
      html_meta: null,
    });
    expect(byPage.get('meta-noai')?.terms?.robots_meta).toEqual(['noai', 'noimageai']);
    expect(byPage.get('x-robots')?.terms?.x_robots_tag).toEqual(['noai']);
    for (const p of byPage.values()) expect(p.text_sha256).toMatch(/^[0-9a-f]{64}$/);

    // A schema-inferring reader takes the nested provenance as typed structs, the same fields on every row.
    const duck = await DuckDBInstance.create(':memory:');
    const connection = await duck.connect();
    try {
      const file = path.join(folder, 'data.jsonl').replace(/'/g, "''");
      const rows = (
        await connection.runAndReadAll(
          `select source_url, provenance.terms.tdm.http_header.reservation as header, provenance.chunk_end as chunk_end,
             provenance.terms.license.id as license from read_json_auto('${file}')`,
        )
      ).getRowObjectsJS() as { source_url: string; header: number | null; chunk_end: number; license: string | null }[];
      expect(rows).toHaveLength(records.length);
      const header = rows.find((r) => r.source_url.endsWith('/rights/tdm-header'))!;
      expect(Number(header.header)).toBe(1);
      expect(rows.find((r) => r.source_url.endsWith('/rights/cc-by'))!.license).toBe('CC-BY-4.0');
      expect(rows.every((r) => Number(r.chunk_end) > 0)).toBe(true);
    } finally {
      connection.closeSync();
      duck.closeSync();
    }

    const card = readFileSync(path.join(folder, 'README.md'), 'utf8');
    expect(card).toContain('## Sources and their terms');
    expect(card).toContain(
      `This job did not skip pages that reserve text-and-data-mining rights (\`scraping.respect_ai_reservations: false\`): ${RESERVED.length} sources in this export reserve them`,
    );
    expect(card).toContain('reserved (header), policy https://fixture.example/tdm-policy.json');
    expect(card).toContain('noai, noimageai (meta)');
  });
});
