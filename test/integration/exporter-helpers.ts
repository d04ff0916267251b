/**
 * Helpers of the exporter tests (integration and e2e): a fresh database on
 * SQLite or PostgreSQL, a job with examples written the way libs/generator
 * writes them, a fast bulk insert, and the format checks of OpenAI's
 * fine-tuning data-format guide.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type EntityManager, MikroORM } from '@mikro-orm/core';
import { type DatabaseConfig, parseDatabaseUrl } from '@datafactory/config';
import { ExampleStatus, JobStatus, ScrapeStatus, type StoredJobConfig } from '@datafactory/contracts';
import {
  Chunk,
  createOrmConfig,
  Job,
  migrateDatabase,
  Project,
  RawDocument,
  TrainingExample,
} from '@datafactory/persistence';
import { dropPostgresSchema, storedJobConfig, TEST_POSTGRES_URL, uniqueSchema } from '@datafactory/testing';

export type Driver = 'sqlite' | 'postgresql';

export interface TestDatabase {
  db: DatabaseConfig;
  /** The DATABASE_URL of it, for apps started as processes. */
  url: string;
  orm: MikroORM;
  close(): Promise<void>;
}

/** A migrated database of its own: a SQLite file in a temp folder, or a new PostgreSQL schema (dropped by close()). */
/** A stored job config with secrets a careless writer might have added: no export may show them. */
function leakyConfig(secret: string): StoredJobConfig {
  const config = storedJobConfig({
    generation: { template: 'qa', model: 'gpt-4o-mini', examples_per_chunk: 3 },
    quality: { min_score: 0.7, checks: ['format', 'readability'] },
    processing: { chunk_size: 512 },
    export: { format: 'jsonl' },
  });
  const leaky = {
    ...config,
    generation: { ...config.generation, api_key: secret },
    llm: { apiKey: secret, base_url: `https://user:${secret}@llm.example.net/v1` },
  };
  return leaky;
}

export async function openTestDatabase(driver: Driver): Promise<TestDatabase> {
  let db: DatabaseConfig;
  let url: string;
  let cleanup: () => Promise<void>;
  if (driver === 'sqlite') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'df-exporter-db-'));
    const file = path.join(dir, 'datafactory.db');
    db = { driver: 'sqlite', path: file, busyTimeoutMs: 10_000 };
    url = `sqlite:${file}`;
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    const schema = uniqueSchema();
    url = `${TEST_POSTGRES_URL}?schema=${schema}`;
    db = parseDatabaseUrl(url, os.tmpdir(), 0);
    cleanup = () => dropPostgresSchema(TEST_POSTGRES_URL, schema);
  }
  await migrateDatabase(db);
  const orm = await MikroORM.init(createOrmConfig(db));
  return {
    db,
    url,
    orm,
    async close() {
      await orm.close(true);
      await cleanup();
    },
  };
}

/** Text that breaks naive CSV and JSON writers: quotes, commas, line breaks, emoji, right-to-left scripts. */
export const TRICKY = [
  'She said "hello, world" — and left.',
  'Line one\nLine two\r\nLine three, with a comma',
  'Emoji 👩‍💻🚀 and a flag 🇫🇷',
  'עברית: שלום עולם, "ציטוט"',
  'العربية: مرحبا بالعالم',
  '  leading and trailing spaces  ',
  'tab\tseparated; semi;colons',
  "an apostrophe's edge and a backslash \\ and a slash /",
];

export interface SeededJob {
  projectId: string;
  jobId: string;
  /** Every example's id by kind. */
  passed: string[];
  rejected: string[];
  failed: string[];
  domains: string[];
}

const TEMPLATES = ['qa', 'summarization', 'classification', 'instruction'] as const;

const VOCABULARY = (
  'ownership borrowing lifetimes traits closures iterators macros modules crates cargo testing errors vectors ' +
  'strings hashmaps generics patterns enums structs slices threads channels mutex futures unsafe pointers boxes ' +
  'references drop clone copy match loops ranges tuples arrays options results rivers mountains harbours lanterns ' +
  'orchards meadows glaciers volcanoes deserts islands canyons forests bridges castles markets gardens'
).split(' ');

/**
 * `count` words picked from a fixed pseudo-random sequence seeded by `n`: what
 * makes examples of different pages differ as real ones do (the split check
 * links domains whose examples are near-duplicates).
 */
export function distinctWords(n: number, count = 10): string {
  let x = (n + 1) * 2654435761;
  const out: string[] = [];
  for (let k = 0; k < count; k++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out.push(VOCABULARY[(x >>> 8) % VOCABULARY.length]!);
  }
  return out.join(' ');
}

/** Example texts as libs/generator renders the built-in templates, with the fields the model wrote. */
function render(template: (typeof TEMPLATES)[number], chunk: string, i: number) {
  const t = `${TRICKY[i % TRICKY.length]!} ${distinctWords(i)}`;
  switch (template) {
    case 'qa': {
      const f = {
        question: `Question ${i}: ${t}?`,
        answer: `Answer ${i}: ${TRICKY[(i + 1) % TRICKY.length]} ${distinctWords(i + 100_000)}`,
      };
      return { fields: f, inputText: f.question, outputText: f.answer };
    }
    case 'summarization': {
      const f = { instruction: `Summarize in one sentence (${i}).`, summary: `Summary ${i}: ${t}` };
      return { fields: f, inputText: `${f.instruction}\n\n${chunk}`, outputText: f.summary };
    }
    case 'classification': {
      const f = { text: `Passage ${i}: ${t}`, label: i % 2 ? 'memory' : 'syntax', rationale: 'because' };
      return {
        fields: f,
        inputText: `Classify the following text as one of: memory, syntax.\n\n${f.text}`,
        outputText: f.label,
      };
    }
    case 'instruction': {
      const f = { instruction: `Explain item ${i}.`, input: i % 2 ? '' : `Context: ${t}`, output: `Output ${i}: ${t}` };
      return {
        fields: f,
        inputText: f.input ? `${f.instruction}\n\n${f.input}` : f.instruction,
        outputText: f.output,
      };
    }
  }
}

/**
 * A completed job with `domains` × `pagesPerDomain` pages, a chunk per page
 * and `perChunk` examples per chunk cycling through the four templates; of
 * every 5 examples, 3 passed, 1 was rejected and 1 failed generation. The job
 * config carries `secret` where a careless exporter would copy it.
 */
export async function seedJob(
  em: EntityManager,
  options: { domains?: number; pagesPerDomain?: number; perChunk?: number; secret?: string; costTotal?: number } = {},
): Promise<SeededJob> {
  const fork = em.fork();
  const secret = options.secret ?? 'sk-test-0000';
  const project = fork.create(Project, { name: 'Exporter "test", ✓', config: {} });
  const job = fork.create(Job, {
    project,
    status: JobStatus.Completed,
    costTotal: options.costTotal ?? 0.125,
    config: leakyConfig(secret),
  });
  const seeded: SeededJob = { projectId: project.id, jobId: job.id, passed: [], rejected: [], failed: [], domains: [] };
  let n = 0;
  const domainCount = options.domains ?? 6;
  for (let d = 0; d < domainCount; d++) {
    const host = d === 0 ? `www.site${d}.example` : `site${d}.example`;
    seeded.domains.push(`site${d}.example`);
    for (let p = 0; p < (options.pagesPerDomain ?? 2); p++) {
      const url = `https://${host}/page/${p}?q=a,b`;
      const doc = fork.create(RawDocument, {
        job,
        url,
        finalUrl: p === 1 ? `https://${host}/final/${p}` : null,
        title: `Page ${p} of ${host}: ${TRICKY[p % TRICKY.length]}`,
        language: d % 3 === 2 ? 'he' : 'en',
        scrapeStatus: ScrapeStatus.Ok,
      });
      const content = `Chunk of ${host}/${p}: ${distinctWords(d * 1000 + p, 40)} ${TRICKY.join(' | ')}`;
      const chunk = fork.create(Chunk, {
        document: doc,
        job,
        content,
        tokenCount: 50,
        chunkIndex: 0,
        language: doc.language,
      });
      for (let k = 0; k < (options.perChunk ?? 5); k++, n++) {
        const template = TEMPLATES[n % TEMPLATES.length]!;
        const kind = n % 5 < 3 ? 'passed' : n % 5 === 3 ? 'rejected' : 'failed';
        const texts = render(template, content, n);
        const ex = fork.create(TrainingExample, {
          chunk,
          job,
          templateType: template,
          inputText: kind === 'failed' ? '' : texts.inputText,
          outputText: kind === 'failed' ? '' : texts.outputText,
          modelUsed: 'gpt-4o-mini',
          status: kind === 'failed' ? ExampleStatus.Failed : ExampleStatus.Ok,
          error: kind === 'failed' ? 'reply is not valid JSON' : null,
          rawReply: kind === 'failed' ? '{"examples": [' : null,
          templateHash: `hash-${template}`,
          lineage: {
            chunkId: chunk.id,
            sourceUrl: url,
            baseUrl: `https://user:${secret}@llm.example.net/v1`,
            fields: kind === 'failed' ? null : texts.fields,
          },
          tokenCount: 20 + (n % 37),
          cost: n % 7 === 0 ? null : 0.0001 * (1 + (n % 3)),
          qualityScore: kind === 'failed' ? null : kind === 'passed' ? 0.75 + (n % 4) * 0.05 : 0.3,
          qualityDetails: kind === 'failed' ? null : { readability: 0.5, format: kind === 'passed' },
          passedQc: kind === 'failed' ? null : kind === 'passed',
        });
        seeded[kind].push(ex.id);
      }
    }
  }
  await fork.flush();
  return seeded;
}

/**
 * Inserts `count` passed examples into a new job quickly: multi-row inserts
 * of `batch` rows in one transaction. Each example carries about `textBytes`
 * of text, spread over `domains` domains.
 */
export async function bulkInsertExamples(
  em: EntityManager,
  count: number,
  options: { domains?: number; textBytes?: number; batch?: number } = {},
): Promise<{ projectId: string; jobId: string }> {
  const fork = em.fork();
  const project = fork.create(Project, { name: 'bulk', config: {} });
  const job = fork.create(Job, { project, status: JobStatus.Completed });
  const chunks: Chunk[] = [];
  for (let d = 0; d < (options.domains ?? 20); d++) {
    const doc = fork.create(RawDocument, { job, url: `https://bulk${d}.example/page`, scrapeStatus: ScrapeStatus.Ok });
    chunks.push(fork.create(Chunk, { document: doc, job, content: `chunk ${d}`, tokenCount: 2, chunkIndex: 0 }));
  }
  await fork.flush();
  const filler = 'x'.repeat(Math.max(0, Math.floor((options.textBytes ?? 600) / 2) - 40));
  const batch = options.batch ?? 1_000;
  await fork.transactional(async (tx) => {
    for (let start = 0; start < count; start += batch) {
      const rows = [];
      for (let i = start; i < Math.min(count, start + batch); i++) {
        rows.push({
          id: randomUUID(),
          chunk: chunks[i % chunks.length]!.id,
          job: job.id,
          templateType: 'qa',
          inputText: `Question ${i} ${filler}?`,
          outputText: `Answer ${i} ${filler}.`,
          modelUsed: 'gpt-4o-mini',
          status: ExampleStatus.Ok,
          templateHash: 'bulk',
          lineage: { fields: { question: `Question ${i} ${filler}?`, answer: `Answer ${i} ${filler}.` } },
          tokenCount: 100 + (i % 50),
          cost: 0.0001,
          qualityScore: 0.9,
          passedQc: true,
          createdAt: new Date(),
        });
      }
      await tx.insertMany(TrainingExample, rows);
    }
  });
  // What autovacuum would do after such a load: without statistics PostgreSQL's planner guesses badly.
  if (fork.getPlatform().constructor.name.toLowerCase().includes('postgre')) {
    await fork.getConnection().execute('analyze training_examples', [], 'run');
  }
  return { projectId: project.id, jobId: job.id };
}

/**
 * The checks of OpenAI's fine-tuning data-format guide (the cookbook's
 * "Data preparation and analysis for chat model fine-tuning"): every line a
 * JSON object with a `messages` list; each message has `role` and `content`
 * and no other key; roles are system, user, assistant (or function/tool);
 * content is a non-empty string; every example has an assistant message.
 * We also require exactly one assistant answer, last. Returns the error counts.
 */
export function openAiFormatErrors(lines: string[]): Record<string, number> {
  const errors: Record<string, number> = {};
  const add = (k: string) => (errors[k] = (errors[k] ?? 0) + 1);
  for (const line of lines) {
    let ex: unknown;
    try {
      ex = JSON.parse(line);
    } catch {
      add('invalid_json');
      continue;
    }
    if (typeof ex !== 'object' || ex === null || Array.isArray(ex)) {
      add('data_type');
      continue;
    }
    const messages = (ex as { messages?: unknown }).messages;
    if (!Array.isArray(messages) || messages.length === 0) {
      add('missing_messages_list');
      continue;
    }
    if (Object.keys(ex).some((k) => k !== 'messages')) add('unrecognized_example_key');
    for (const m of messages as Record<string, unknown>[]) {
      if (!('role' in m) || !('content' in m)) add('message_missing_key');
      if (Object.keys(m).some((k) => !['role', 'content', 'name', 'function_call', 'weight'].includes(k))) {
        add('message_unrecognized_key');
      }
      if (!['system', 'user', 'assistant', 'function', 'tool'].includes(m.role as string)) add('unrecognized_role');
      if (typeof m.content !== 'string' || m.content.trim() === '') add('missing_content');
    }
    const assistants = (messages as { role: string }[]).filter((m) => m.role === 'assistant').length;
    if (assistants === 0) add('example_missing_assistant_message');
    if (assistants > 1) add('more_than_one_assistant_answer');
    if ((messages as { role: string }[]).at(-1)?.role !== 'assistant') add('assistant_not_last');
    if (!(messages as { role: string }[]).some((m) => m.role === 'user')) add('example_missing_user_message');
  }
  return errors;
}
