import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type DatasetCardInput, renderDatasetCard, sizeCategory } from './card.js';
import { resolveExportConfig } from './config.js';
import { ExportStats } from './stats.js';

function input(over: Partial<DatasetCardInput> = {}): DatasetCardInput {
  const stats = new ExportStats();
  const add = (domain: string, split: string, tokenCount: number, language: string) =>
    stats.add({
      split,
      domain,
      language,
      model: 'gpt-4o-mini',
      template: 'qa',
      templateHash: 'h1',
      tokenCount,
      cost: 0.002,
      qualityScore: 0.8,
    });
  add('example.com', 'train', 10, 'en');
  add('example.com', 'train', 20, 'en');
  add('docs.rs', 'test', 30, 'fr');
  return {
    projectName: 'Rust: "docs" | Q&A',
    projectId: 'p1',
    jobId: 'j1',
    version: '20261125T120000000Z',
    createdAt: new Date('2026-11-25T12:00:00Z'),
    config: resolveExportConfig({ split: { train: 0.8, validation: 0.1, test: 0.1 }, license: 'cc-by-4.0' }),
    files: [
      { split: 'train', file: 'train.jsonl', records: 2, bytes: 100 },
      { split: 'test', file: 'test.jsonl', records: 1, bytes: 50 },
    ],
    sourcesFile: 'sources.txt',
    stats,
    totals: { examples: 5, ok: 4, failed: 1, passed: 3, rejected: 1, unscored: 0 },
    sourceDocuments: 2,
    settings: {
      template: 'qa',
      model: 'gpt-4o-mini',
      examplesPerChunk: 3,
      chunkSize: 512,
      minScore: 0.7,
      checks: ['format'],
    },
    jobCost: 0.0123,
    productVersion: '0.1.0',
    ...over,
  };
}

function frontMatter(card: string): Record<string, unknown> {
  const m = /^---\n([\s\S]*?)\n---\n/.exec(card);
  expect(m).not.toBeNull();
  return parse(m![1]!) as Record<string, unknown>;
}

describe('dataset card', () => {
  it('counts the reviews, and says which reviewed examples the export takes', () => {
    const card = renderDatasetCard(
      input({ review: { accepted: 4, edited: 2, rejected: 3, unreviewed: 1, includeUnreviewed: false } }),
    );
    expect(card).toContain('### Human review');
    expect(card).toContain("| edited (exported with the reviewer's output) | 2 |");
    expect(card).toContain('| rejected (never exported) | 3 |');
    expect(card).toContain('| unreviewed (left out of this export) | 1 |');
    expect(card).toContain('9 of 10 examples that passed quality control were reviewed by a person.');
    expect(card).toContain('Only examples a reviewer accepted or edited are included');
    const withUnreviewed = renderDatasetCard(
      input({ review: { accepted: 0, edited: 0, rejected: 1, unreviewed: 5, includeUnreviewed: true } }),
    );
    expect(withUnreviewed).toContain('| unreviewed (exported) | 5 |');
    expect(withUnreviewed).toContain('Examples a reviewer rejected are left out');
    expect(renderDatasetCard(input())).not.toContain('Human review');
    const none = renderDatasetCard(
      input({ review: { accepted: 0, edited: 0, rejected: 0, unreviewed: 5, includeUnreviewed: true } }),
    );
    expect(none).toContain('No example was reviewed by a person.');
    expect(none).not.toContain('Human review');
    expect(none).not.toContain('reviewer');
  });

  it('says how much of the job cost is estimated, and nothing when none is', () => {
    expect(renderDatasetCard(input({ jobCostEstimated: 0.0023 }))).toContain(
      '- Whole job (every LLM call): $0.0123 (of which $0.0023 estimated from token counts: calls whose reply or usage was lost)',
    );
    expect(renderDatasetCard(input())).toMatch(/- Whole job \(every LLM call\): \$0\.0123\n/);
  });

  it('has Hugging Face YAML front matter that parses', () => {
    const fm = frontMatter(renderDatasetCard(input()));
    expect(fm).toEqual({
      pretty_name: 'Rust: "docs" | Q&A (20261125T120000000Z)',
      license: 'cc-by-4.0',
      language: ['en', 'fr'],
      task_categories: ['question-answering'],
      size_categories: ['n<1K'],
      tags: ['synthetic', 'llm-generated', 'ai-data-factory', 'format-jsonl'],
      source_domains: ['example.com', 'docs.rs'],
      configs: [
        {
          config_name: 'default',
          data_files: [
            { split: 'train', path: 'train.jsonl' },
            { split: 'test', path: 'test.jsonl' },
          ],
        },
      ],
    });
  });

  it('has every section the issue lists', () => {
    const card = renderDatasetCard(input());
    for (const heading of [
      '## What this is',
      '## Counts',
      '## Token lengths',
      '## Model and template',
      '## Quality',
      '## Cost',
      '## Sources',
      '## Limitations',
    ]) {
      expect(card).toContain(heading);
    }
    expect(card).toContain('Pass rate: 60.0% of all generated examples (75.0% of those generated ok).');
    expect(card).toContain('min 10, median 20, mean 20.0, 95th percentile 30, max 30');
    expect(card).toContain('`gpt-4o-mini` (3)');
    expect(card).toContain('Template hash: `h1`');
    expect(card).toContain('- Minimum score: 0.7');
    expect(card).toContain('- Whole job (every LLM call): $0.0123');
    expect(card).toContain('`sources.txt`');
    expect(card).toContain('| example.com | 2 |');
    expect(card).toContain('Split by source domain with seed 42');
  });

  it('buckets sizes as Hugging Face does', () => {
    expect(sizeCategory(0)).toBe('n<1K');
    expect(sizeCategory(999)).toBe('n<1K');
    expect(sizeCategory(1000)).toBe('1K<n<10K');
    expect(sizeCategory(100_000)).toBe('100K<n<1M');
  });

  it('says so when there is nothing', () => {
    const card = renderDatasetCard(input({ stats: new ExportStats(), files: [] }));
    expect(card).toContain('No examples.');
    expect(frontMatter(card).size_categories).toEqual(['n<1K']);
  });
});

describe('the card’s "Where the rows went"', () => {
  const funnel = {
    jobId: 'j1',
    template: 'qa',
    final: true,
    urlsGiven: 2,
    urlsDiscovered: 0,
    examplesPerChunk: 3,
    exported: 1,
    holds: false,
    stages: [
      {
        stage: 'fetch' as const,
        unit: 'url' as const,
        input: 2,
        invariant: 'urls = ok + failed',
        holds: true,
        outcomes: [
          { outcome: 'ok', count: 1, next: true, reasons: [] },
          { outcome: 'failed', count: 1, next: false, reasons: [{ code: 'robots', count: 1 }] },
        ],
      },
      {
        stage: 'generate' as const,
        unit: 'example' as const,
        input: 3,
        invariant: 'examples = ok + failed',
        holds: false,
        outcomes: [{ outcome: 'ok', count: 2, next: true, reasons: [] }],
      },
    ],
  };

  it('has a row per stage with its drops and reasons, and says when a stage does not add up', () => {
    const card = renderDatasetCard(input({ funnel }));
    expect(card).toContain('| fetch | 2 urls | ok 1 | failed 1 (robots ×1) | yes |');
    expect(card).toContain('| generate examples | 3 examples | ok 2 | — | **no** |');
    expect(card).toContain('Examples asked = original chunks × 3 per chunk.');
    expect(card).toContain('Some stage does not add up');
  });

  it('has no such section without a funnel', () => {
    expect(renderDatasetCard(input())).not.toContain('Where the rows went');
  });
});
