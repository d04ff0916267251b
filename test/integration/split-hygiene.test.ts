/**
 * Split hygiene against real databases: near-duplicate examples planted on
 * two domains that the split by domain alone puts on different sides (and an
 * exact copy on a third) land in one split, the card reports the check, and
 * an export without such pairs reports none and keeps the seed's splits.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExampleStatus, ScrapeStatus } from '@datafactory/contracts';
import { assignSplit, exportJob, type ExportResult } from '@datafactory/exporter';
import { Chunk, Job, RawDocument, TrainingExample } from '@datafactory/persistence';
import { tempDir } from '@datafactory/testing';
import { type Driver, openTestDatabase, seedJob, type SeededJob, type TestDatabase } from './exporter-helpers.js';

const SPLIT = { train: 0.5, validation: 0, test: 0.5 };
const SEED = 42;

const PLANTED =
  'How does the borrow checker decide whether a reference outlives its owner? It compares the lifetime of ' +
  'every reference with the scope of the value it points to and refuses the program when one is longer.';

function idsBySplit(r: ExportResult): Map<string, Set<string>> {
  return new Map(
    r.files.map((f) => [
      f.split,
      new Set(
        readFileSync(f.path, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => (JSON.parse(l) as { id: string }).id),
      ),
    ]),
  );
}

describe.each(['sqlite', 'postgresql'] as Driver[])('split hygiene on %s', (driver) => {
  let t: TestDatabase;
  let dataDir: { path: string; remove: () => Promise<void> };
  let seeded: SeededJob;
  const run = () =>
    exportJob(t.orm.em, seeded.jobId, { format: 'jsonl', split: SPLIT, seed: SEED }, { dataDir: dataDir.path });

  beforeAll(async () => {
    t = await openTestDatabase(driver);
    dataDir = await tempDir('df-split-hygiene-');
    seeded = await seedJob(t.orm.em, { domains: 8 });
  });

  afterAll(async () => {
    await t?.close();
    await dataDir?.remove();
  });

  /** One passed example on a new page of `host`. */
  async function plant(host: string, input: string, output: string): Promise<string> {
    const fork = t.orm.em.fork();
    const job = fork.getReference(Job, seeded.jobId);
    const url = `https://${host}/planted`;
    const doc = fork.create(RawDocument, { job, url, title: 'Planted', language: 'en', scrapeStatus: ScrapeStatus.Ok });
    const chunk = fork.create(Chunk, { document: doc, job, content: input, tokenCount: 40, chunkIndex: 0 });
    const ex = fork.create(TrainingExample, {
      chunk,
      job,
      templateType: 'qa',
      inputText: input,
      outputText: output,
      modelUsed: 'gpt-4o-mini',
      status: ExampleStatus.Ok,
      lineage: { chunkId: chunk.id, sourceUrl: url, fields: { question: input, answer: output } },
      tokenCount: 40,
      qualityScore: 0.9,
      passedQc: true,
    });
    await fork.flush();
    return ex.id;
  }

  it('reports no pair and keeps the split by domain when no near-duplicates cross domains', async () => {
    const r = await run();
    const card = readFileSync(r.cardPath, 'utf8');
    expect(card).toContain('### Split hygiene');
    expect(card).toContain(`All ${seeded.passed.length} exported examples were compared`);
    expect(card).toContain('| near-duplicate pairs across domains | 0 |');
    expect(card).toContain('| groups of domains kept together | 0 |');
    for (const [split, ids] of idsBySplit(r)) {
      for (const id of ids) {
        const row = await t.orm.em.fork().findOneOrFail(TrainingExample, { id }, { populate: ['chunk.document'] });
        const host = new URL(row.chunk.document.finalUrl ?? row.chunk.document.url).hostname.replace(/^www\./, '');
        expect(split, id).toBe(assignSplit(host, SPLIT, SEED));
      }
    }
  });

  it('keeps planted near-duplicates on two domains (and a copy on a third) in one split, and the card says so', async () => {
    const domains = Array.from({ length: 100 }, (_, i) => `mirror${i}.example`);
    const a = domains.find((d) => assignSplit(d, SPLIT, SEED) === 'train')!;
    const b = domains.find((d) => assignSplit(d, SPLIT, SEED) === 'test')!;
    const [question, answer] = PLANTED.split('? ');
    const p1 = await plant(a, `${question}?`, answer!);
    const p2 = await plant(b, `${question} ?`, answer!.replace('refuses the program', 'refuses the program,'));
    const p3 = await plant('copies.example', `${question}?`, answer!);

    const r = await run();
    const bySplit = idsBySplit(r);
    const splitOf = (id: string) => [...bySplit].find(([, ids]) => ids.has(id))?.[0];
    expect(splitOf(p1)).toBeDefined();
    expect(splitOf(p2)).toBe(splitOf(p1));
    expect(splitOf(p3)).toBe(splitOf(p1));

    const card = readFileSync(r.cardPath, 'utf8');
    expect(card).toContain('| near-duplicate pairs across domains | 3 |');
    expect(card).toContain('| groups of domains kept together | 1 |');
    expect(card).toMatch(/\| pairs that would have crossed a split \(by domain alone\) \| [12] \|/);
    expect(card).toContain('| pairs crossing a split now | 0 |');
    expect(card).toContain(`| ${splitOf(p1)} | ${[a, b, 'copies.example'].sort().join(', ')} | 3 |`);
    // Every record is still exported once.
    expect([...bySplit.values()].reduce((n, ids) => n + ids.size, 0)).toBe(seeded.passed.length + 3);
  });
});
