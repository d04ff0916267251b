/**
 * The exporter against real databases (a temporary SQLite file and a fresh
 * PostgreSQL schema, dropped afterwards) and real files in a temporary
 * DATA_DIR. Every format is read back by an independent reader (JSON.parse
 * per line, csv-parse, DuckDB for JSONL, JSON, CSV and Parquet) and compared
 * field by field with the database rows. Nothing is faked.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ExampleStatus } from '@datafactory/contracts';
import {
  domainOf,
  ExportConfigError,
  ExportJobNotFoundError,
  exportJob,
  type ExportManifest,
  type ExportResult,
} from '@datafactory/exporter';
import { Chunk, Export, ExportReadRepository, TrainingExample } from '@datafactory/persistence';
import { tempDir } from '@datafactory/testing';
import {
  type Driver,
  openAiFormatErrors,
  openTestDatabase,
  seedJob,
  type SeededJob,
  type TestDatabase,
} from './exporter-helpers.js';

const SECRET = 'sk-proj-SECRETSECRET-0123456789';

interface DbExample {
  id: string;
  template: string;
  input: string;
  output: string;
  source_url: string;
  domain: string;
  language: string | null;
  model: string;
  template_hash: string | null;
  token_count: number;
  cost: number | null;
  quality_score: number | null;
  passed_qc: boolean | null;
  status: string;
  fields: Record<string, unknown> | null;
}

async function duck<T = Record<string, unknown>>(sql: string): Promise<T[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(sql);
    return reader.getRowObjectsJS() as T[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;
const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '');

describe.each(['sqlite', 'postgresql'] as Driver[])('exporter on %s', (driver) => {
  let t: TestDatabase;
  let dataDir: { path: string; remove: () => Promise<void> };
  let seeded: SeededJob;
  let byId: Map<string, DbExample>;
  const run = (config: unknown, extra: Partial<Parameters<typeof exportJob>[3]> = {}) =>
    exportJob(t.orm.em, seeded.jobId, config, { dataDir: dataDir.path, secrets: [SECRET], ...extra });

  beforeAll(async () => {
    t = await openTestDatabase(driver);
    dataDir = await tempDir('df-exporter-');
    seeded = await seedJob(t.orm.em, { secret: SECRET });
    const rows = await t.orm.em
      .fork()
      .find(TrainingExample, { job: seeded.jobId }, { populate: ['chunk.document'], orderBy: { id: 'asc' } });
    byId = new Map(
      rows.map((e) => {
        const doc = e.chunk.document;
        const url = doc.finalUrl ?? doc.url;
        return [
          e.id,
          {
            id: e.id,
            template: e.templateType,
            input: e.inputText,
            output: e.outputText,
            source_url: url,
            domain: domainOf(url),
            language: e.chunk.language ?? null,
            model: e.modelUsed,
            template_hash: e.templateHash ?? null,
            token_count: e.tokenCount,
            cost: e.cost === null || e.cost === undefined ? null : Number(e.cost),
            quality_score: e.qualityScore === null || e.qualityScore === undefined ? null : Number(e.qualityScore),
            passed_qc: e.passedQc ?? null,
            status: e.status,
            fields: ((e.lineage as Record<string, unknown> | null)?.fields as Record<string, unknown> | null) ?? null,
          },
        ];
      }),
    );
  });

  afterAll(async () => {
    await t?.close();
    await dataDir?.remove();
  });

  /** Compares a record read back (strings, numbers, booleans; CSV gives strings) with the database row. */
  function expectSameAsDatabase(record: Record<string, unknown>, asText = false) {
    const db = byId.get(String(record.id));
    expect(db, `example ${String(record.id)} is in the database`).toBeDefined();
    const expected: Record<string, unknown> = {
      id: db!.id,
      template: db!.template,
      input: db!.input,
      output: db!.output,
      source_url: db!.source_url,
      domain: db!.domain,
      language: db!.language,
      model: db!.model,
      template_hash: db!.template_hash,
      token_count: db!.token_count,
      cost: db!.cost,
      quality_score: db!.quality_score,
      passed_qc: db!.passed_qc,
    };
    for (const [key, value] of Object.entries(expected)) {
      const got = record[key];
      if (asText) expect(got, key).toBe(value === null ? '' : String(value));
      else if (typeof value === 'number') expect(Number(got), key).toBeCloseTo(value, 12);
      else expect(got ?? null, key).toEqual(value);
    }
  }

  const dataFile = (r: ExportResult, split = 'train') => r.files.find((f) => f.split === split)!.path;

  it('exports only the passed examples as JSONL, read back line by line and by DuckDB, field by field', async () => {
    const r = await run({ format: 'jsonl' });
    expect(r.recordCount).toBe(seeded.passed.length);
    expect(r.relativeDirectory).toBe(`exports/${seeded.projectId}/${seeded.jobId}/${r.version}`);
    expect(r.files.map((f) => path.basename(f.path))).toEqual(['data.jsonl']);
    const records = lines(dataFile(r)).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.map((x) => x.id).sort()).toEqual([...seeded.passed].sort());
    for (const x of records) expectSameAsDatabase(x);
    expect(records.some((x) => String(x.input).includes('👩‍💻'))).toBe(true);
    expect(records.some((x) => String(x.output).includes('שלום'))).toBe(true);

    const viaDuck = await duck(`select * from read_json(${sqlString(dataFile(r))}, format = 'newline_delimited')`);
    expect(viaDuck).toHaveLength(records.length);
    for (const x of viaDuck) expectSameAsDatabase(x);

    const row = await t.orm.em.fork().findOneOrFail(Export, { id: r.exportId });
    expect(row).toMatchObject({
      format: 'jsonl',
      filePath: r.relativeDirectory,
      recordCount: r.recordCount,
      version: r.version,
    });
    expect(row.datasetCard).toBe(readFileSync(r.cardPath, 'utf8'));
  });

  it('exports a JSON array that JSON.parse and DuckDB read back', async () => {
    const r = await run({ format: 'json' });
    const records = JSON.parse(readFileSync(dataFile(r), 'utf8')) as Record<string, unknown>[];
    expect(records).toHaveLength(seeded.passed.length);
    for (const x of records) expectSameAsDatabase(x);
    const viaDuck = await duck(`select * from read_json(${sqlString(dataFile(r))}, format = 'array')`);
    expect(viaDuck).toHaveLength(records.length);
    for (const x of viaDuck) expectSameAsDatabase(x);
  });

  it('exports RFC 4180 CSV that csv-parse and DuckDB read back, quotes, commas, newlines, emoji and RTL intact', async () => {
    const r = await run({ format: 'csv' });
    const text = readFileSync(dataFile(r), 'utf8');
    expect(text.startsWith('id,template,input,output,')).toBe(true);
    expect(text).toContain('""hello, world""');
    const records = parseCsv(text, { columns: true, record_delimiter: '\r\n' }) as Record<string, string>[];
    expect(records).toHaveLength(seeded.passed.length);
    for (const x of records) expectSameAsDatabase(x, true);

    const viaDuck = await duck<Record<string, string | null>>(
      `select * from read_csv(${sqlString(dataFile(r))}, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"')`,
    );
    expect(viaDuck).toHaveLength(records.length);
    for (const x of viaDuck)
      expectSameAsDatabase(Object.fromEntries(Object.entries(x).map(([k, v]) => [k, v ?? ''])), true);
  });

  it('exports Parquet that DuckDB reads back with typed columns', async () => {
    const r = await run({ format: 'parquet' }, { parquetRowGroupSize: 7 });
    const file = dataFile(r);
    expect(readFileSync(file).subarray(0, 4).toString()).toBe('PAR1');
    const viaDuck = await duck(`select * from read_parquet(${sqlString(file)})`);
    expect(viaDuck).toHaveLength(seeded.passed.length);
    for (const x of viaDuck) expectSameAsDatabase(x);
    const types = await duck<{ column_name: string; column_type: string }>(
      `describe select * from read_parquet(${sqlString(file)})`,
    );
    expect(Object.fromEntries(types.map((c) => [c.column_name, c.column_type]))).toMatchObject({
      input: 'VARCHAR',
      token_count: 'INTEGER',
      cost: 'DOUBLE',
      quality_score: 'DOUBLE',
      passed_qc: 'BOOLEAN',
    });
    const groups = await duck<{ n: bigint }>(
      `select count(distinct row_group_id) as n from parquet_metadata(${sqlString(file)})`,
    );
    expect(Number(groups[0]!.n)).toBe(Math.ceil(seeded.passed.length / 7));
  });

  it('exports the openai shape so that it passes the checks of OpenAI’s fine-tuning data-format guide', async () => {
    const r = await run({ format: 'openai' });
    const all = lines(dataFile(r));
    expect(all).toHaveLength(seeded.passed.length);
    expect(openAiFormatErrors(all)).toEqual({});
    const viaDuck = await duck<{ messages: { role: string; content: string }[] }>(
      `select messages from read_json(${sqlString(dataFile(r))}, format = 'newline_delimited')`,
    );
    expect(viaDuck).toHaveLength(all.length);
    // user = inputText and assistant = outputText, whatever the template.
    const dbTexts = new Set(seeded.passed.map((id) => `${byId.get(id)!.input}\u0000${byId.get(id)!.output}`));
    for (const { messages } of viaDuck) {
      expect(messages.map((m) => m.role)).toEqual(['user', 'assistant']);
      expect(dbTexts.has(`${messages[0]!.content}\u0000${messages[1]!.content}`)).toBe(true);
    }
  });

  it('exports alpaca and sharegpt with each template mapped as documented', async () => {
    const alpaca = (await run({ format: 'alpaca' })).files[0]!.path;
    const records = lines(alpaca).map((l) => JSON.parse(l) as { instruction: string; input: string; output: string });
    expect(records).toHaveLength(seeded.passed.length);
    for (const rec of records) expect(Object.keys(rec)).toEqual(['instruction', 'input', 'output']);
    const passed = seeded.passed.map((id) => byId.get(id)!);
    // One record per passed example, rebuilt from that example's own fields.
    for (const e of passed) {
      const f = e.fields!;
      const expected =
        e.template === 'qa'
          ? { instruction: f.question, input: '', output: f.answer }
          : e.template === 'summarization'
            ? { instruction: f.instruction, output: f.summary }
            : e.template === 'classification'
              ? {
                  instruction: 'Classify the following text as one of: memory, syntax.',
                  input: f.text,
                  output: f.label,
                }
              : { instruction: f.instruction, input: f.input, output: f.output };
      expect(records.some((rec) => Object.entries(expected).every(([k, v]) => rec[k as keyof typeof rec] === v))).toBe(
        true,
      );
    }

    const sharegpt = (await run({ format: 'sharegpt' })).files[0]!.path;
    const conversations = await duck<{ conversations: { from: string; value: string }[] }>(
      `select conversations from read_json(${sqlString(sharegpt)}, format = 'newline_delimited')`,
    );
    expect(conversations).toHaveLength(seeded.passed.length);
    for (const { conversations: c } of conversations) {
      expect(c.map((m) => m.from)).toEqual(['human', 'gpt']);
      expect(c.every((m) => m.value.trim() !== '')).toBe(true);
    }
  });

  it('exports every example with its scores when include_failed is set', async () => {
    const r = await run({ format: 'jsonl', include_failed: true });
    const records = lines(dataFile(r)).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records).toHaveLength(byId.size);
    const failed = records.filter((x) => x.status === ExampleStatus.Failed);
    expect(failed).toHaveLength(seeded.failed.length);
    expect(failed.every((x) => x.error === 'reply is not valid JSON')).toBe(true);
    const rejected = records.filter((x) => x.passed_qc === false);
    expect(rejected.map((x) => x.id).sort()).toEqual([...seeded.rejected].sort());
    expect(JSON.parse(String(rejected[0]!.quality_details))).toEqual({ readability: 0.5, format: false });
    for (const x of records) expectSameAsDatabase(x);
  });

  it('splits by source domain with a fixed seed: no domain in two splits, the same split every time', async () => {
    const config = { format: 'jsonl', split: { train: 0.5, validation: 0.25, test: 0.25 }, seed: 3 };
    const a = await run(config);
    const b = await run(config);
    const domainsBySplit = new Map<string, Set<string>>();
    for (const f of a.files) {
      expect(path.basename(f.path)).toBe(`${f.split}.jsonl`);
      const records = lines(f.path).map((l) => JSON.parse(l) as { domain: string; id: string });
      expect(records).toHaveLength(f.records);
      domainsBySplit.set(f.split, new Set(records.map((x) => x.domain)));
    }
    const all = [...domainsBySplit.values()].flatMap((s) => [...s]);
    expect(new Set(all).size).toBe(all.length); // no domain in two splits
    expect(a.files.reduce((n, f) => n + f.records, 0)).toBe(seeded.passed.length);
    expect(a.files.length).toBeGreaterThan(1);
    expect(b.files.map((f) => [f.split, readFileSync(f.path, 'utf8')])).toEqual(
      a.files.map((f) => [f.split, readFileSync(f.path, 'utf8')]),
    );
    const manifest = JSON.parse(readFileSync(path.join(a.directory, 'manifest.json'), 'utf8')) as ExportManifest;
    expect(manifest.files.map((f) => f.split)).toEqual(a.files.map((f) => f.split));
  });

  it('writes a card whose front matter parses as YAML, a sources file with every URL, and never the secret', async () => {
    const r = await run({ format: 'csv', license: 'cc-by-4.0' });
    const card = readFileSync(r.cardPath, 'utf8');
    const front = parseYaml(/^---\n([\s\S]*?)\n---\n/.exec(card)![1]!) as Record<string, unknown>;
    expect(front).toMatchObject({
      license: 'cc-by-4.0',
      language: expect.arrayContaining(['en', 'he']),
      task_categories: expect.arrayContaining([
        'question-answering',
        'summarization',
        'text-classification',
        'text-generation',
      ]),
      size_categories: ['n<1K'],
      configs: [{ config_name: 'default', data_files: [{ split: 'train', path: 'data.csv' }] }],
    });
    expect([...(front.source_domains as string[])].sort()).toEqual([...seeded.domains].sort());
    expect(card).toContain(`| passed quality control | ${seeded.passed.length} |`);
    expect(card).toContain(`| generation failed | ${seeded.failed.length} |`);
    expect(card).toContain('`hash-qa`');
    expect(card).toContain('- Whole job (every LLM call): $0.1250');

    const sources = lines(r.sourcesPath);
    const expected = new Set([...byId.values()].filter((e) => e.passed_qc).map((e) => e.source_url));
    expect(new Set(sources)).toEqual(expected);
    expect(sources).toHaveLength(expected.size);

    // The key sits in the job config and in every example's lineage: it must reach no file and no row.
    for (const file of readdirSync(r.directory)) {
      expect(readFileSync(path.join(r.directory, file), 'utf8'), file).not.toContain(SECRET);
    }
    const row = await t.orm.em.fork().findOneOrFail(Export, { id: r.exportId });
    expect(row.datasetCard).not.toContain(SECRET);
    expect(card).not.toMatch(/sk-[A-Za-z0-9-]{8,}/);
  });

  it('makes every export a new version, even two started in the same millisecond, and overwrites nothing', async () => {
    const now = () => new Date('2026-11-25T12:00:00.123Z');
    const before = await t.orm.em.fork().count(Export, { job: seeded.jobId });
    const [a, b] = await Promise.all([run({ format: 'jsonl' }, { now }), run({ format: 'csv' }, { now })]);
    expect(a.version).not.toBe(b.version);
    expect([a.version, b.version].sort()).toEqual(['20261125T120000123Z', '20261125T120000123Z-1']);
    const c = await run({ format: 'parquet' }, { now });
    expect(c.version).toBe('20261125T120000123Z-2');
    for (const r of [a, b, c]) expect(existsSync(r.files[0]!.path)).toBe(true);
    expect(await t.orm.em.fork().count(Export, { job: seeded.jobId })).toBe(before + 3);
    const jobDir = path.join(dataDir.path, 'exports', seeded.projectId, seeded.jobId);
    expect(readdirSync(jobDir)).toEqual(expect.arrayContaining([a.version, b.version, c.version]));
  });

  it('stops on abort, removing its folder and recording nothing', async () => {
    const controller = new AbortController();
    const before = await t.orm.em.fork().count(Export, { job: seeded.jobId });
    const progress: number[] = [];
    await expect(
      run(
        { format: 'jsonl' },
        {
          pageSize: 5,
          signal: controller.signal,
          onProgress: (p) => {
            progress.push(p.written);
            if (p.written >= 10) controller.abort();
          },
          now: () => new Date('2030-01-01T00:00:00.000Z'),
        },
      ),
    ).rejects.toThrow(/abort/i);
    expect(progress.length).toBeGreaterThan(0);
    expect(existsSync(path.join(dataDir.path, 'exports', seeded.projectId, seeded.jobId, '20300101T000000000Z'))).toBe(
      false,
    );
    expect(await t.orm.em.fork().count(Export, { job: seeded.jobId })).toBe(before);
  });

  it('reports progress page by page and refuses a bad config or an unknown job', async () => {
    const progress: { written: number; total: number }[] = [];
    await run({ format: 'jsonl' }, { pageSize: 4, onProgress: (p) => progress.push(p) });
    expect(progress.at(-1)).toEqual({ written: seeded.passed.length, total: seeded.passed.length });
    expect(progress.length).toBe(Math.ceil(seeded.passed.length / 4));

    await expect(run({ format: 'xml' })).rejects.toBeInstanceOf(ExportConfigError);
    await expect(
      exportJob(t.orm.em, '00000000-0000-4000-8000-000000000000', {}, { dataDir: dataDir.path }),
    ).rejects.toBeInstanceOf(ExportJobNotFoundError);
  });

  it('writes the files with the sizes the manifest gives', async () => {
    const r = await run({ format: 'jsonl' });
    const manifest = JSON.parse(readFileSync(path.join(r.directory, 'manifest.json'), 'utf8')) as ExportManifest;
    for (const f of manifest.files) expect(statSync(path.join(r.directory, f.file)).size).toBe(f.bytes);
    expect(manifest).toMatchObject({
      version: r.version,
      format: 'jsonl',
      recordCount: r.recordCount,
      card: 'README.md',
    });
  });

  // Last: it changes chunk metadata the other tests do not read.
  it('sums the PII counts of the chunks (metadata.pii) into the card', async () => {
    const fork = t.orm.em.fork();
    const chunks = await fork.find(Chunk, { job: seeded.jobId }, { orderBy: { id: 'asc' }, limit: 3 });
    chunks[0]!.metadata = { ...chunks[0]!.metadata, pii: { email: 2, iban: 1 } };
    chunks[1]!.metadata = { ...chunks[1]!.metadata, pii: { email: 1, secret: 3 } };
    chunks[2]!.metadata = { ...chunks[2]!.metadata, pii: { ip: 1 } };
    await fork.flush();
    expect(await new ExportReadRepository(t.orm.em.fork()).piiRedacted(seeded.jobId)).toEqual({
      email: 3,
      ip: 1,
      iban: 1,
      secret: 3,
    });
    const card = readFileSync((await run({ format: 'jsonl' })).cardPath, 'utf8');
    expect(card).toContain('PII redacted: 3 email addresses, 1 IP address, 1 IBAN, 3 API keys or secrets.');
  });
});
