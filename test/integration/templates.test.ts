/**
 * Integration: every new built-in template through the whole pipeline in one
 * process (what `datafactory run` does): the fixture site on 127.0.0.1, the
 * fake OpenAI-compatible server answering each template's schema
 * (templateExamplesFromPrompt), a real SQLite file, the real stage libs. The
 * exports are read back and checked against the rules their consumers
 * document (written out below), not against our own mapping.
 */
import { MikroORM } from '@mikro-orm/core';
import { type AppConfig, loadConfig } from '@datafactory/config';
import { exportJob } from '@datafactory/exporter';
import { TemplateRegistry, type TemplateVariables, unitHash } from '@datafactory/generator';
import { Chunk, createOrmConfig, pickDistractorChunks, TrainingExample } from '@datafactory/persistence';
import { runJobLocally } from '@datafactory/pipeline/worker';
import { FakeOpenAiServer, FixtureSite, tempDir, templateExamplesFromPrompt } from '@datafactory/testing';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type Rec = Record<string, unknown>;

const openOrm = (c: AppConfig) => MikroORM.init(createOrmConfig(c.database) as Parameters<typeof MikroORM.init>[0]);

/*
 * OpenAI chat fine-tuning (platform.openai.com/docs/guides/supervised-fine-tuning):
 * a line is {"messages": [...]}; roles are system, user, assistant; a system
 * message may only come first; then user and assistant alternate, starting
 * with user; the last message is the assistant's (what is trained); every
 * content is a non-empty string.
 */
function openAiChatProblems(r: Rec, opts: { reasoningField?: boolean } = {}): string[] {
  const p: string[] = [];
  if (Object.keys(r).join() !== 'messages') p.push(`keys ${Object.keys(r)}`);
  const m = r.messages as Rec[];
  if (!Array.isArray(m) || m.length < 2) return [...p, 'messages must be a list of at least 2'];
  const rest = m[0]!.role === 'system' ? m.slice(1) : m;
  rest.forEach((msg, i) => {
    if (msg.role !== (i % 2 === 0 ? 'user' : 'assistant')) p.push(`message ${i} has role ${String(msg.role)}`);
  });
  if (m.at(-1)!.role !== 'assistant') p.push('the last message is not the assistant');
  for (const msg of m) {
    if (typeof msg.content !== 'string' || msg.content.trim() === '') p.push('empty content');
    const allowed =
      msg.role === 'assistant' && opts.reasoningField ? ['role', 'content', 'reasoning'] : ['role', 'content'];
    for (const k of Object.keys(msg)) if (!allowed.includes(k)) p.push(`message key ${k}`);
  }
  return p;
}

/*
 * OpenAI preference fine-tuning (DPO; platform.openai.com/docs/guides/direct-preference-optimization):
 * {"input": {"messages": [...]}, "preferred_output": [assistant], "non_preferred_output": [assistant]};
 * the input ends with a user message; each output is exactly one assistant message.
 */
function openAiPreferenceProblems(r: Rec): string[] {
  const p: string[] = [];
  if (Object.keys(r).sort().join() !== 'input,non_preferred_output,preferred_output') p.push(`keys ${Object.keys(r)}`);
  const input = (r.input as Rec)?.messages as Rec[];
  if (!Array.isArray(input) || input.at(-1)?.role !== 'user') p.push('input.messages must end with a user message');
  for (const key of ['preferred_output', 'non_preferred_output']) {
    const out = r[key] as Rec[];
    if (!Array.isArray(out) || out.length !== 1 || out[0]!.role !== 'assistant')
      p.push(`${key}: one assistant message`);
    else if (typeof out[0]!.content !== 'string' || !(out[0]!.content as string).trim()) p.push(`${key}: empty`);
  }
  if (JSON.stringify(r.preferred_output) === JSON.stringify(r.non_preferred_output)) p.push('outputs are equal');
  return p;
}

/* TRL DPOTrainer, standard preference format (huggingface.co/docs/trl/dataset_formats): {prompt, chosen, rejected} strings. */
function trlPreferenceProblems(r: Rec): string[] {
  const p: string[] = [];
  if (Object.keys(r).sort().join() !== 'chosen,prompt,rejected') p.push(`keys ${Object.keys(r)}`);
  for (const k of ['prompt', 'chosen', 'rejected'])
    if (typeof r[k] !== 'string' || !(r[k] as string).trim()) p.push(`${k} not a string`);
  if (r.chosen === r.rejected) p.push('chosen equals rejected');
  return p;
}

/*
 * LLaMA-Factory sharegpt (data/README.md): "conversations" of {from, value};
 * an optional system turn first (system_tag); then human and gpt alternate,
 * human at odd positions and gpt at even ones (1-based), ending with gpt.
 * Ranking data: conversations end with human; "chosen" and "rejected" are gpt turns.
 */
function shareGptProblems(r: Rec, ranking: boolean): string[] {
  const p: string[] = [];
  const c = r.conversations as Rec[];
  if (!Array.isArray(c) || c.length === 0) return ['no conversations'];
  const rest = c[0]!.from === 'system' ? c.slice(1) : c;
  rest.forEach((t, i) => {
    if (t.from !== (i % 2 === 0 ? 'human' : 'gpt')) p.push(`turn ${i} is from ${String(t.from)}`);
    if (typeof t.value !== 'string' || !(t.value as string).trim()) p.push(`turn ${i} empty`);
  });
  if (ranking) {
    if (rest.length % 2 !== 1) p.push('a ranking prompt must end with human');
    for (const k of ['chosen', 'rejected']) {
      const t = r[k] as Rec;
      if (t?.from !== 'gpt' || typeof t.value !== 'string' || !t.value.trim()) p.push(`${k} must be a gpt turn`);
    }
  } else if (rest.length % 2 !== 0) p.push('must end with gpt');
  return p;
}

/*
 * LLaMA-Factory alpaca (data/README.md): instruction, input, output strings;
 * optional system string and history as [[instruction, response], ...];
 * ranking data has chosen and rejected strings instead of output.
 */
function alpacaProblems(r: Rec, ranking: boolean): string[] {
  const p: string[] = [];
  const strings = ranking ? ['instruction', 'input', 'chosen', 'rejected'] : ['instruction', 'input', 'output'];
  for (const k of strings) if (typeof r[k] !== 'string') p.push(`${k} not a string`);
  if (!(r.instruction as string)?.trim()) p.push('empty instruction');
  if (r.system !== undefined && typeof r.system !== 'string') p.push('system not a string');
  if (r.history !== undefined) {
    const ok =
      Array.isArray(r.history) &&
      r.history.every((h) => Array.isArray(h) && h.length === 2 && h.every((x) => typeof x === 'string'));
    if (!ok) p.push('history must be [[string, string], ...]');
  }
  return p;
}

const readJsonl = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Rec);

describe('the new built-in templates through the pipeline', () => {
  let site: FixtureSite;
  let llm: FakeOpenAiServer;
  let dir: { path: string; remove: () => Promise<void> };
  let config: AppConfig;
  let orm: Awaited<ReturnType<typeof openOrm>>;
  const registry = TemplateRegistry.builtins();

  beforeAll(async () => {
    site = await FixtureSite.start({ hosts: ['main', 'other'] });
    llm = new FakeOpenAiServer({ content: templateExamplesFromPrompt });
    await llm.start();
    dir = await tempDir();
    config = loadConfig({
      DATA_DIR: dir.path,
      OPENAI_BASE_URL: llm.baseUrl,
      LOG_LEVEL: 'silent',
      CRAWL_ALLOW_PRIVATE_NETWORKS: 'true',
    });
  });
  afterAll(async () => {
    await orm?.close();
    await site?.close();
    await llm?.stop();
    await dir?.remove();
  });

  let docNumber = 100;
  /** A job of `template` over four pages of two hosts; returns the job and its stored examples with their chunks. */
  async function run(generation: Rec, exportConfig: Rec = { format: 'jsonl' }) {
    const urls = [
      ...[0, 1].map((i) => site.url('main', `/doc/${docNumber + i}`)),
      ...[2, 3].map((i) => site.url('other', `/doc/${docNumber + i}`)),
    ];
    docNumber += 4;
    const result = await runJobLocally(config, {
      urls,
      jobConfig: {
        scraping: { requests_per_second: 50 },
        generation,
        quality: { checks: ['format'] },
        export: exportConfig,
      },
    });
    expect(result.job.status, result.job.error ?? '').toBe('completed');
    orm ??= await openOrm(config);
    const examples = await orm.em
      .fork()
      .find(TrainingExample, { job: result.job.id }, { populate: ['chunk', 'chunk.document'] });
    return { ...result, examples };
  }

  /** Each stored ok example is valid by its template's schema and rules, over the chunk it came from. */
  function expectValid(template: string, examples: TrainingExample[]) {
    const t = registry.get(template);
    const ok = examples.filter((e) => e.status === 'ok');
    expect(ok.length).toBeGreaterThan(0);
    for (const e of ok) {
      const fields = (e.lineage as { fields: Rec }).fields;
      const vars = { chunk: { text: e.chunk.content } } as TemplateVariables;
      expect(t.validateExample(fields, vars), JSON.stringify(fields)).toBeNull();
      expect(e.templateHash).toBe(t.hash);
    }
    return ok;
  }

  async function exportAs(jobId: string, format: string, extra: Rec = {}) {
    const result = await exportJob(orm.em, jobId, { format, ...extra }, { dataDir: dir.path });
    const records = readJsonl(result.files[0]!.path);
    expect(records.length).toBe(result.recordCount);
    expect(records.length).toBeGreaterThan(0);
    return { result, records };
  }

  function datasetInfoOf(result: { directory: string }) {
    const file = path.join(result.directory, 'dataset_info.json');
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, Rec>) : null;
  }

  /** The entries point at files of the folder, and the columns they name are in every record. */
  function expectDatasetInfo(result: { directory: string }, records: Rec[], formatting: string, ranking: boolean) {
    const info = datasetInfoOf(result)!;
    expect(info).not.toBeNull();
    const [entry] = Object.values(info);
    expect(entry!.formatting).toBe(formatting);
    expect(Boolean(entry!.ranking)).toBe(ranking);
    expect(existsSync(path.join(result.directory, String(entry!.file_name)))).toBe(true);
    const required = Object.entries(entry!.columns as Record<string, string>).filter(
      ([k]) => !['system', 'history'].includes(k),
    );
    for (const r of records) for (const [, column] of required) expect(r, column).toHaveProperty(column);
  }

  function cardCategories(result: { cardPath: string }): string[] {
    const card = readFileSync(result.cardPath, 'utf8');
    const front = parseYaml(card.split('---\n')[1]!) as { task_categories: string[] };
    return front.task_categories;
  }

  it('conversation: dialogues of alternating turns, every turn exported', async () => {
    const { job, examples } = await run({ template: 'conversation' });
    const ok = expectValid('conversation', examples);
    for (const e of ok) {
      const turns = (e.lineage as { fields: { turns: Rec[] } }).fields.turns;
      expect(turns.length).toBeGreaterThanOrEqual(4);
      expect(e.outputText).toBe(turns.at(-1)!.content);
    }

    const openai = await exportAs(job.id, 'openai');
    for (const r of openai.records) expect(openAiChatProblems(r)).toEqual([]);
    // Every turn: as many messages as the longest stored dialogue (plus its system prompt).
    const longest = Math.max(
      ...ok.map((e) => {
        const f = (e.lineage as { fields: { turns: Rec[]; system: string } }).fields;
        return f.turns.length + (f.system ? 1 : 0);
      }),
    );
    expect(Math.max(...openai.records.map((r) => (r.messages as Rec[]).length))).toBe(longest);
    expect(openai.records.some((r) => (r.messages as Rec[])[0]!.role === 'system')).toBe(true);
    expectDatasetInfo(openai.result, openai.records, 'sharegpt', false);

    const sharegpt = await exportAs(job.id, 'sharegpt');
    for (const r of sharegpt.records) expect(shareGptProblems(r, false)).toEqual([]);
    expectDatasetInfo(sharegpt.result, sharegpt.records, 'sharegpt', false);

    const alpaca = await exportAs(job.id, 'alpaca');
    for (const r of alpaca.records) {
      expect(alpacaProblems(r, false)).toEqual([]);
      expect((r.history as unknown[]).length).toBeGreaterThan(0);
    }
    expectDatasetInfo(alpaca.result, alpaca.records, 'alpaca', false);

    const trl = await exportAs(job.id, 'trl');
    for (const r of trl.records) expect(openAiChatProblems(r)).toEqual([]);
    expect(cardCategories(trl.result)).toEqual(['text-generation']);
  });

  it('preference: chosen and rejected with a named flaw; TRL DPO, OpenAI preference and LLaMA-Factory ranking shapes', async () => {
    const { job, examples } = await run({ template: 'preference' });
    const ok = expectValid('preference', examples);
    for (const e of ok)
      expect(['unsupported_claim', 'missing_step', 'wrong_detail']).toContain(
        (e.lineage as { fields: Rec }).fields.flaw,
      );

    const trl = await exportAs(job.id, 'trl');
    for (const r of trl.records) expect(trlPreferenceProblems(r)).toEqual([]);
    expect(datasetInfoOf(trl.result)).toBeNull();

    const openai = await exportAs(job.id, 'openai');
    for (const r of openai.records) expect(openAiPreferenceProblems(r)).toEqual([]);
    // LLaMA-Factory does not read OpenAI's preference shape: no entry that would mislead it.
    expect(datasetInfoOf(openai.result)).toBeNull();

    const sharegpt = await exportAs(job.id, 'sharegpt');
    for (const r of sharegpt.records) expect(shareGptProblems(r, true)).toEqual([]);
    expectDatasetInfo(sharegpt.result, sharegpt.records, 'sharegpt', true);

    const alpaca = await exportAs(job.id, 'alpaca');
    for (const r of alpaca.records) expect(alpacaProblems(r, true)).toEqual([]);
    expectDatasetInfo(alpaca.result, alpaca.records, 'alpaca', true);
    expect(cardCategories(alpaca.result)).toEqual(['text-generation']);
  });

  it('rag: the oracle among distractor chunks of other documents, picked the same way every time; the user turn carries them', async () => {
    const { job, examples } = await run({
      template: 'rag',
      examples_per_chunk: 3,
      template_params: { distractors: 2, no_oracle_share: 0.3 },
    });
    const ok = expectValid('rag', examples);
    type Retrieval = { documents: { chunkId: string; text: string }[]; oracleIndex: number | null };
    const chunks = await orm.em.fork().find(Chunk, { job: job.id }, { populate: ['document'] });
    const byId = new Map(chunks.map((c) => [c.id, c]));
    let withoutOracle = 0;
    let full = 0;
    for (const e of ok) {
      const r = (e.lineage as { retrieval: Retrieval }).retrieval;
      const distractors = r.documents.filter((d) => d.chunkId !== e.chunk.id);
      expect(distractors.length).toBeLessThanOrEqual(2);
      if (distractors.length === 2) full++;
      for (const d of distractors) {
        // A stored chunk of another document of this job, its text as stored.
        expect(byId.get(d.chunkId)?.document.id).not.toBe(e.chunk.document.id);
        expect(d.text).toBe(byId.get(d.chunkId)!.content);
      }
      // Left out exactly when the example's hash falls in the share (chunk ids are random, so how many
      // examples of one run do is not fixed; the unit test of retrievalContext checks the share itself).
      const index = (e.lineage as { exampleIndex: number }).exampleIndex;
      expect(r.oracleIndex === null).toBe(unitHash(`${e.chunk.id}:${index}:oracle`) < 0.3);
      if (r.oracleIndex === null) withoutOracle++;
      else expect(r.documents[r.oracleIndex]).toEqual({ chunkId: e.chunk.id, text: e.chunk.content });
      // The answer quotes the oracle.
      const quote = String((e.lineage as { fields: Rec }).fields.quote);
      expect(e.chunk.content.replace(/\s+/g, ' ')).toContain(quote.replace(/\s+/g, ' '));
    }
    expect(full).toBeGreaterThan(0);
    // The pick is a function of the chunk id and the stored chunks: a retry over the same chunks picks the same ones.
    const probe = { jobId: job.id, chunkId: ok[0]!.chunk.id, documentId: ok[0]!.chunk.document.id, count: 2 };
    const picked = await pickDistractorChunks(orm.em, probe);
    expect(picked).toHaveLength(2);
    expect(await pickDistractorChunks(orm.em, probe)).toEqual(picked);
    expect(picked.every((c) => c.documentId !== probe.documentId)).toBe(true);
    expect(withoutOracle).toBeLessThan(ok.length);

    const openai = await exportAs(job.id, 'openai');
    for (const r of openai.records) {
      expect(openAiChatProblems(r)).toEqual([]);
      const user = (r.messages as Rec[])[0]!.content as string;
      expect(user).toMatch(/^<DOCUMENT>/);
    }
    // Every stored document text is in some user turn.
    const users = openai.records.map((r) => (r.messages as Rec[])[0]!.content as string).join('\n');
    for (const e of ok) {
      for (const d of (e.lineage as { retrieval: Retrieval }).retrieval.documents) expect(users).toContain(d.text);
    }
    const alpaca = await exportAs(job.id, 'alpaca');
    for (const r of alpaca.records) {
      expect(alpacaProblems(r, false)).toEqual([]);
      expect(r.input).toMatch(/^<DOCUMENT>/);
    }
    expect(cardCategories(alpaca.result)).toEqual(['question-answering', 'text-generation']);
  });

  it('reasoning: steps kept apart from the answer, as <think> or as a reasoning field', async () => {
    const { job, examples } = await run({ template: 'reasoning' });
    const ok = expectValid('reasoning', examples);
    const answers = new Set(ok.map((e) => e.outputText));

    const think = await exportAs(job.id, 'openai');
    for (const r of think.records) {
      expect(openAiChatProblems(r)).toEqual([]);
      const content = (r.messages as Rec[]).at(-1)!.content as string;
      const m = /^<think>\n([\s\S]+)\n<\/think>\n\n([\s\S]+)$/.exec(content);
      expect(m, content).not.toBeNull();
      expect(answers.has(m![2]!)).toBe(true);
    }
    const field = await exportAs(job.id, 'openai', { reasoning: 'field' });
    for (const r of field.records) {
      expect(openAiChatProblems(r, { reasoningField: true })).toEqual([]);
      const last = (r.messages as Rec[]).at(-1)!;
      expect(answers.has(last.content as string)).toBe(true);
      expect(String(last.reasoning)).not.toBe('');
      expect(String(last.content)).not.toContain('<think>');
    }
    const sharegpt = await exportAs(job.id, 'sharegpt', { reasoning: 'field' });
    for (const r of sharegpt.records) {
      expect(shareGptProblems(r, false)).toEqual([]);
      expect(typeof r.reasoning).toBe('string');
    }
    expect(cardCategories(sharegpt.result)).toEqual(['text-generation', 'question-answering']);
  });

  it('personas and difficulty: one example per persona, asked = ok + failed, all in lineage', async () => {
    const personas = ['a nurse new to the topic', 'a retired engineer', 'a high-school student'];
    const { job, examples } = await run({
      template: 'qa',
      template_params: { personas, difficulty: 'hard' },
    });
    const byChunk = new Map<string, TrainingExample[]>();
    for (const e of examples) byChunk.set(e.chunk.id, [...(byChunk.get(e.chunk.id) ?? []), e]);
    expect(byChunk.size).toBe(job.progress.generator.done);
    const hashes = new Set<string>();
    for (const rows of byChunk.values()) {
      // Asked: one per persona; every one ends ok or failed.
      expect(rows).toHaveLength(personas.length);
      const lineages = rows.map((r) => r.lineage as { persona: string; difficulty: string; paramsHash: string });
      expect(lineages.map((l) => l.persona).sort()).toEqual([...personas].sort());
      for (const l of lineages) {
        expect(l.difficulty).toBe('hard');
        hashes.add(l.paramsHash);
      }
    }
    expect(hashes.size).toBe(1);
    expect([...hashes][0]).toMatch(/^sha256:[0-9a-f]{16}$/);
    const prompt = String(llm.requests.at(-1)!.body.messages?.at(-1)?.content);
    for (const p of personas) expect(prompt).toContain(p);
    expect(prompt).toMatch(/Difficulty: hard/);
  });
});
