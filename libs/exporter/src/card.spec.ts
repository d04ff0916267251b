import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type DatasetCardInput, renderDatasetCard, sizeCategory, SourceTerms } from './card.js';
import { resolveExportConfig } from './config.js';
import { provenanceOf } from './provenance.js';
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

  it("lists a refresh's changes with counts and URLs, capped per list, and nothing for a job that is no refresh", () => {
    const many = Array.from({ length: 105 }, (_, i) => ({ url: `https://a.example/new/${i}` }));
    const card = renderDatasetCard(
      input({
        changes: {
          parentJobId: 'p1',
          previousVersion: '20261201T100000000Z',
          added: many,
          changed: [{ url: 'https://a.example/b' }],
          removed: [{ url: 'https://a.example/c', reason: 'HTTP 410' }],
          unchanged: [{ url: 'https://a.example/a' }, { url: 'https://a.example/e' }],
          notModified: 1,
          examplesCarried: 4,
          examplesGenerated: 2,
        },
      }),
    );
    const section = card.slice(card.indexOf('## Changes since the previous version'));
    expect(section).toContain('A refresh of job `p1` (dataset version 20261201T100000000Z)');
    expect(section).toContain('| added | 105 |\n| changed | 1 |\n| removed | 1 |\n| unchanged | 2 |');
    expect(section).toContain('| of which answered 304 Not Modified | 1 |');
    expect(section).toContain('Examples: 2 generated in this refresh, 4 carried over from the previous version.');
    expect(section).toContain('### Added (105)\n\n- https://a.example/new/0\n');
    expect(section).toContain('- https://a.example/new/99\n- ... and 5 more\n');
    expect(section).not.toContain('https://a.example/new/100');
    expect(section).toContain('### Changed (1)\n\n- https://a.example/b\n');
    expect(section).toContain('### Removed (1)\n\n- https://a.example/c (HTTP 410)\n');
    // Before the funnel; absent for a job that is no refresh.
    expect(card.indexOf('## Changes since')).toBeLessThan(card.indexOf('## Token lengths'));
    expect(renderDatasetCard(input())).not.toContain('## Changes since');
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

  it('shows the grounded rate when the check ran, with what it could not score', () => {
    expect(renderDatasetCard(input())).not.toContain('Grounded rate');
    const card = renderDatasetCard(input({ grounded: { pass: 3, fail: 1, skipped: 2 } }));
    expect(card).toContain(
      '- Grounded rate: 75.0% (3 of 4 inspected examples have every sentence supported by their source chunk; ' +
        '1 rejected by the `grounded` check); 2 with no claim to check\n',
    );
  });

  it('flags rag records with fewer distractor chunks than asked', () => {
    const stats = new ExportStats();
    const rag = (found: number | null) =>
      stats.add({
        split: 'train',
        domain: 'example.com',
        language: 'en',
        model: 'm',
        template: 'rag',
        templateHash: 'h',
        tokenCount: 10,
        cost: null,
        qualityScore: 1,
        distractors: { wanted: found === null ? null : 3, found },
      });
    rag(3);
    rag(3);
    rag(1);
    rag(2);
    rag(null); // an example generated before the counts were recorded: not judged
    const card = renderDatasetCard(input({ stats }));
    expect(card).toContain(
      '- Distractors: 2 of 5 rag records have fewer than the 3 distractor chunks asked (as few as 1): the job has too few chunks of other documents.',
    );
    const full = new ExportStats();
    full.add({
      split: 'train',
      domain: 'x',
      language: 'en',
      model: 'm',
      template: 'rag',
      templateHash: 'h',
      tokenCount: 1,
      cost: null,
      qualityScore: 1,
      distractors: { wanted: 3, found: 3 },
    });
    expect(renderDatasetCard(input({ stats: full }))).not.toContain('- Distractors:');
  });
});

describe('dataset card: split hygiene', () => {
  const report = {
    threshold: 0.9,
    examples: 3,
    pairs: 24,
    groups: Array.from({ length: 22 }, (_, i) => ({
      domains: Array.from({ length: i === 0 ? 10 : 2 }, (_, k) => `g${i}-d${k}.example`),
      pairs: i === 0 ? 3 : 1,
      split: 'train' as const,
    })),
    wouldHaveCrossed: 7,
    crossing: 0,
    unchecked: 0,
  };

  it('has no section without a split check, and the counts and groups with one', () => {
    expect(renderDatasetCard(input())).not.toContain('Split hygiene');
    const card = renderDatasetCard(input({ splitHygiene: report }));
    expect(card).toContain('### Split hygiene');
    expect(card).toContain('All 3 exported examples were compared');
    expect(card).toContain('cosine similarity of at least 0.9');
    expect(card).toContain('| near-duplicate pairs across domains | 24 |');
    expect(card).toContain('| groups of domains kept together | 22 |');
    expect(card).toContain('| pairs that would have crossed a split (by domain alone) | 7 |');
    expect(card).toContain('| pairs crossing a split now | 0 |');
    // A group of many domains names 8 and counts the rest; past 20 groups, the rest are counted.
    expect(card).toContain('g0-d7.example and 2 more | 3 |');
    expect(card).not.toContain('g0-d8.example');
    expect(card).toContain('| | and 2 more groups | |');
    expect(card).not.toContain('lower bounds');
  });

  it('says the counts are lower bounds when candidate pairs went uncompared', () => {
    const card = renderDatasetCard(input({ splitHygiene: { ...report, unchecked: 1234 } }));
    expect(card).toContain('1234 further candidate pairs between domains already kept together were not compared');
    expect(card).toContain('lower bounds');
  });
});

describe('dataset card: sources and their terms', () => {
  const source = (url: string, terms: Parameters<typeof provenanceOf>[0]['metadata']) =>
    provenanceOf({ url, finalUrl: null, httpStatus: 200, fetchedAt: '2026-12-01T10:00:00Z', metadata: terms });
  const sourceTerms = () => {
    const t = new SourceTerms();
    t.add(
      source('https://user:pw@a.test/cc?x=1', {
        terms: {
          robotsMeta: ['noindex', 'nofollow'],
          xRobotsTag: [],
          tdm: { 'tdmrep.json': { reservation: 0, policy: null } },
          license: { url: 'https://creativecommons.org/licenses/by/4.0/', id: 'CC-BY-4.0' },
        },
      }),
    );
    t.add(
      source('https://b.test/noai', {
        terms: {
          robotsMeta: [],
          xRobotsTag: ['noai'],
          tdm: { header: { reservation: 1, policy: 'https://b.test/policy' } },
          license: null,
        },
      }),
    );
    t.add(source('https://c.test/plain', { terms: { robotsMeta: [], xRobotsTag: [], tdm: {}, license: null } }));
    t.add(source('https://d.test/old', {}));
    return t;
  };

  it('counts licenses and reservations, says what the job did, and tables the sources without credentials', () => {
    const card = renderDatasetCard(input({ sourceTerms: sourceTerms(), respectAiReservations: false }));
    expect(card).toContain('## Sources and their terms');
    expect(card).toContain(
      '- Sources: 4; stating a license: 1 (CC-BY-4.0 ×1); reserving TDM rights: 1; TDM explicitly not reserved: 1; ' +
        'no statement: 1; not recorded (crawled before terms were read): 1',
    );
    expect(card).toContain('(`scraping.respect_ai_reservations: false`): 1 source in this export reserves them');
    expect(card).toContain(
      '| https://a.test/cc?x=1 | 2026-12-01T10:00:00.000Z | 200 | CC-BY-4.0 | not reserved (tdmrep.json) | noindex (meta) |',
    );
    expect(card).toContain(
      '| https://b.test/noai | 2026-12-01T10:00:00.000Z | 200 | — | reserved (header), policy https://b.test/policy | noai (X-Robots-Tag) |',
    );
    expect(card).toContain('| https://d.test/old | 2026-12-01T10:00:00.000Z | 200 | — | unknown | — |');
    expect(card).not.toContain('user:pw');
  });

  it('with reservations respected, counts the pages skipped as tdm_reserved from the funnel; no section without terms', () => {
    const funnel = {
      jobId: 'j1',
      template: 'qa',
      final: true,
      urlsGiven: 6,
      urlsDiscovered: 0,
      examplesPerChunk: 3,
      exported: 3,
      holds: true,
      stages: [
        {
          stage: 'fetch' as const,
          unit: 'url' as const,
          input: 6,
          invariant: '',
          holds: true,
          outcomes: [
            { outcome: 'ok', count: 4, next: true, reasons: [] },
            { outcome: 'skipped', count: 2, next: false, reasons: [{ code: 'tdm_reserved', count: 2 }] },
          ],
        },
      ],
    };
    const card = renderDatasetCard(input({ sourceTerms: sourceTerms(), respectAiReservations: true, funnel }));
    expect(card).toContain('were skipped (`scraping.respect_ai_reservations`): 2 pages (`tdm_reserved`).');
    expect(renderDatasetCard(input())).not.toContain('Sources and their terms');
  });
});
