import type { SplitHygieneReport } from './split-hygiene.js';
import { stringify } from 'yaml';
import {
  aiReservation,
  formatReasons,
  type JobFunnel,
  PII_TYPES,
  type PiiType,
  TDM_CHANNELS,
} from '@datafactory/contracts';
import type { ExportConfig } from './config.js';
import { type DatasetFormat, FORMAT_INFO } from './formats.js';
import { pageTermsOf, type Provenance } from './provenance.js';
import { withoutCredentials } from './text-safety.js';
import { byCount, type ExportStats } from './stats.js';

/** Hugging Face task categories of each template (others: text-generation). */
export const TASK_CATEGORIES: Readonly<Record<string, readonly string[]>> = {
  qa: ['question-answering'],
  summarization: ['summarization'],
  classification: ['text-classification'],
  instruction: ['text-generation'],
  conversation: ['text-generation'],
  preference: ['text-generation'],
  rag: ['question-answering', 'text-generation'],
  reasoning: ['text-generation', 'question-answering'],
};

/** Hugging Face tags that say what kind of data a template's examples are. */
const TEMPLATE_TAGS: Readonly<Record<string, readonly string[]>> = {
  conversation: ['conversational', 'multi-turn'],
  preference: ['dpo', 'preference'],
  rag: ['rag', 'raft'],
  reasoning: ['reasoning', 'chain-of-thought'],
};

/** Hugging Face `size_categories` bucket of a record count. */
export function sizeCategory(n: number): string {
  const buckets: [number, string][] = [
    [1_000, 'n<1K'],
    [10_000, '1K<n<10K'],
    [100_000, '10K<n<100K'],
    [1_000_000, '100K<n<1M'],
    [10_000_000, '1M<n<10M'],
    [100_000_000, '10M<n<100M'],
    [1_000_000_000, '100M<n<1B'],
  ];
  for (const [limit, name] of buckets) if (n < limit) return name;
  return 'n>1B';
}

export interface ExportedFile {
  split: string;
  /** File name inside the version folder. */
  file: string;
  records: number;
  bytes: number;
}

/** Everything the card says; only whitelisted settings, never the raw job config (it may hold a key). */
export interface DatasetCardInput {
  projectName: string;
  projectId: string;
  jobId: string;
  version: string;
  createdAt: Date;
  config: ExportConfig;
  files: ExportedFile[];
  sourcesFile: string;
  stats: ExportStats;
  /** Counts over every example of the job, whatever the export takes. */
  totals: { examples: number; ok: number; failed: number; passed: number; rejected: number; unscored: number };
  /**
   * People's decisions on the examples that passed quality control (absent: no review section).
   * Rejected ones are never exported; unreviewed ones only with includeUnreviewed.
   */
  review?: {
    accepted: number;
    edited: number;
    rejected: number;
    unreviewed: number;
    includeUnreviewed: boolean;
  } | null;
  /** Source documents with an exported example. */
  sourceDocuments: number;
  settings: {
    template: string | null;
    model: string | null;
    examplesPerChunk: number | null;
    chunkSize: number | null;
    minScore: number | null;
    checks: string[] | null;
  };
  /** The job's total LLM cost (USD). */
  jobCost: number | null;
  /** Where the job's rows went (the card's "Where the rows went" section); absent: no section. */
  funnel?: JobFunnel | null;
  /** Values the refiner replaced with placeholders in the job's chunks, per kind; absent: no line. */
  piiRedacted?: Partial<Record<PiiType, number>> | null;
  /** The kinds the job redacted (`processing.redact_pii`); absent: unknown. */
  piiRedactedKinds?: PiiType[] | null;
  /**
   * How the grounded check ended over the job's inspected examples (`pass`, `fail`, `skipped`, `unavailable`
   * counts); absent or null: the check was off.
   */
  grounded?: Record<string, number> | null;
  /** The near-duplicate check of a split export (SplitGrouper); absent or null: no split, no section. */
  splitHygiene?: SplitHygieneReport | null;
  /** The source documents' terms (the card's "Sources and their terms"); absent: no section. */
  sourceTerms?: SourceTerms | null;
  /** `scraping.respect_ai_reservations` of the job; null: unknown (a job made before the option). */
  respectAiReservations?: boolean | null;
  /** The part of jobCost estimated from token counts (calls whose reply or usage was lost); 0 or absent: none. */
  jobCostEstimated?: number;
  productVersion: string;
  /** For a refresh: what changed since the parent job's dataset (the card's "Changes" section); absent: none. */
  changes?: CardChanges | null;
}

/** A refresh's changes against its parent (libs/persistence RefreshDiff) and the parent's latest version. */
export interface CardChanges {
  parentJobId: string;
  /** The parent's latest export version, null when it had none. */
  previousVersion: string | null;
  added: { url: string }[];
  changed: { url: string }[];
  removed: { url: string; reason?: string }[];
  unchanged: { url: string }[];
  notModified: number;
  examplesCarried: number;
  examplesGenerated: number;
}

/** Rows of the terms table the card shows; the rest are counted (every record carries its own). */
export const TERMS_TABLE_ROWS = 100;

/** What the sources of an export said about their use, gathered while the sources file is written. */
export class SourceTerms {
  readonly rows: Provenance[] = [];
  total = 0;
  /** Sources per license (SPDX id or URL). */
  readonly licenses = new Map<string, number>();
  /** Sources that reserve TDM rights (tdm-reservation 1 or noai). */
  reserved = 0;
  /** Sources whose TDMRep says 0 (rights not reserved) in some channel and 1 in none. */
  tdmOpen = 0;
  /** Sources with no statement at all. */
  silent = 0;
  /** Sources crawled before terms were recorded. */
  unknown = 0;

  add(p: Provenance): void {
    this.total++;
    if (this.rows.length < TERMS_TABLE_ROWS) this.rows.push(p);
    if (!p.terms) return void this.unknown++;
    if (p.license) this.licenses.set(p.license, (this.licenses.get(p.license) ?? 0) + 1);
    if (aiReservation(pageTermsOf(p.terms))) this.reserved++;
    else if (p.tdm_reservation === 0) this.tdmOpen++;
    if (describeRobots(p) === '—' && p.tdm_reservation === null && !p.license) this.silent++;
  }
}

function describeRobots(p: Provenance): string {
  if (!p.terms) return '—';
  const shown = ['noai', 'noimageai', 'noindex', 'none'];
  const meta = p.terms.robots_meta.filter((d) => shown.includes(d));
  const header = p.terms.x_robots_tag.filter((d) => shown.includes(d));
  const parts = [
    ...(meta.length ? [`${meta.join(', ')} (meta)`] : []),
    ...(header.length ? [`${header.join(', ')} (X-Robots-Tag)`] : []),
  ];
  return parts.length ? parts.join('; ') : '—';
}

function describeTdm(p: Provenance): string {
  if (!p.terms) return 'unknown';
  if (p.tdm_reservation === null) return '—';
  const terms = pageTermsOf(p.terms);
  const channels = TDM_CHANNELS.filter((c) => terms.tdm[c]?.reservation === p.tdm_reservation);
  return `${p.tdm_reservation === 1 ? 'reserved' : 'not reserved'} (${channels.join(', ')})${p.tdm_policy ? `, policy ${p.tdm_policy}` : ''}`;
}

/**
 * "Sources and their terms": what every source page said about its use when
 * fetched (robots meta and X-Robots-Tag, TDMRep, license link), summed, then
 * a table of the first sources; and what the job did about reservations.
 */
export function termsSection(
  terms: SourceTerms | null | undefined,
  respect: boolean | null | undefined,
  funnel: JobFunnel | null | undefined,
): string[] {
  if (!terms) return [];
  const skipped =
    funnel?.stages
      .find((st) => st.stage === 'fetch')
      ?.outcomes.flatMap((o) => o.reasons)
      .filter((r) => r.code === 'tdm_reserved')
      .reduce((n, r) => n + r.count, 0) ?? 0;
  const licenses = byCount(terms.licenses)
    .map(([l, n]) => `${l} ×${n}`)
    .join(', ');
  const policy =
    respect === false
      ? `This job did not skip pages that reserve text-and-data-mining rights (\`scraping.respect_ai_reservations: false\`): ` +
        `${terms.reserved} source${terms.reserved === 1 ? '' : 's'} in this export reserve${terms.reserved === 1 ? 's' : ''} them; check their terms before use.`
      : `Pages that reserve text-and-data-mining rights (\`tdm-reservation: 1\` in any channel, or \`noai\`) were skipped ` +
        `(\`scraping.respect_ai_reservations\`): ${skipped} page${skipped === 1 ? '' : 's'} (\`tdm_reserved\`).`;
  const lines = [
    '## Sources and their terms',
    '',
    'What each source page said about its use when it was fetched: the robots meta and `X-Robots-Tag` directives ' +
      '(`noai`, `noimageai`, `noindex`), the W3C TDM Reservation Protocol (`tdm-reservation`, `tdm-policy` from ' +
      '`/.well-known/tdmrep.json`, the HTTP header and the HTML meta) and a `rel="license"` link. Every record of a ' +
      "flat format carries its source's terms, fetch time, status, validators, text hash and chunk offsets in `provenance`.",
    '',
    `- Sources: ${terms.total}; stating a license: ${[...terms.licenses.values()].reduce((a, b) => a + b, 0)}` +
      (licenses ? ` (${licenses})` : '') +
      `; reserving TDM rights: ${terms.reserved}; TDM explicitly not reserved: ${terms.tdmOpen}; no statement: ${terms.silent}` +
      (terms.unknown ? `; not recorded (crawled before terms were read): ${terms.unknown}` : ''),
    `- ${policy}`,
    '',
    '| source | fetched | HTTP | license | TDM | robots |',
    '| --- | --- | ---: | --- | --- | --- |',
    ...terms.rows.map(
      (p) =>
        `| ${cell(withoutCredentials(p.final_url ?? p.url))} | ${p.fetched_at ?? '—'} | ${p.http_status ?? '—'} | ` +
        `${cell(p.license ?? '—')} | ${cell(describeTdm(p))} | ${cell(describeRobots(p))} |`,
    ),
    '',
  ];
  if (terms.total > terms.rows.length) {
    lines.push(
      `… and ${terms.total - terms.rows.length} more (see the sources file and each record's \`provenance\`).`,
      '',
    );
  }
  return lines;
}

const cell = (v: string) => v.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const pct = (part: number, whole: number) => (whole === 0 ? 'n/a' : `${((100 * part) / whole).toFixed(1)}%`);
const usd = (v: number) => `$${v.toFixed(v < 1 ? 4 : 2)}`;

/**
 * The dataset card: Markdown with Hugging Face YAML front matter (license,
 * languages, task categories, size category, source domains, data files per
 * split), then what the data is, counts and pass rate, token lengths, model
 * and template, quality settings and results, cost, sources and limitations.
 */
export function renderDatasetCard(c: DatasetCardInput): string {
  const s = c.stats;
  const templates = byCount(s.templates).map(([t]) => t);
  const tasks = [...new Set(templates.flatMap((t) => TASK_CATEGORIES[t] ?? ['text-generation']))];
  const templateTags = [...new Set(templates.flatMap((t) => TEMPLATE_TAGS[t] ?? []))];
  const languages = byCount(s.languages).map(([l]) => l);
  const domains = byCount(s.domains);
  const front: Record<string, unknown> = {
    pretty_name: `${c.projectName} (${c.version})`,
    license: c.config.license,
    ...(languages.length ? { language: languages } : {}),
    task_categories: tasks.length ? tasks : ['text-generation'],
    size_categories: [sizeCategory(s.records)],
    tags: ['synthetic', 'llm-generated', 'ai-data-factory', `format-${c.config.format}`, ...templateTags],
    source_domains: domains.map(([d]) => d),
    configs: [
      {
        config_name: 'default',
        data_files: c.files.map((f) => ({ split: f.split, path: f.file })),
      },
    ],
  };
  const yaml = stringify(front, { lineWidth: 0 }).trimEnd();
  const tokens = s.tokens();
  const formatLine = describeFormat(c.config.format);
  const t = c.totals;
  const lines: string[] = [
    '---',
    yaml,
    '---',
    '',
    `# ${c.projectName}: dataset version ${c.version}`,
    '',
    '## What this is',
    '',
    `Training examples written by a language model from ${c.sourceDocuments} web page${c.sourceDocuments === 1 ? '' : 's'} ` +
      `(${domains.length} domain${domains.length === 1 ? '' : 's'}) by AI Data Factory ${c.productVersion}, ` +
      `job \`${c.jobId}\`, exported ${c.createdAt.toISOString()}. ` +
      `The pages were fetched, cut into chunks, and ${templates.length ? `the ${templates.map((x) => `\`${x}\``).join(', ')} template` : 'a template'} ` +
      'asked the model for examples grounded in each chunk; each example was scored before export.',
    '',
    `Format: \`${c.config.format}\` (${formatLine}).` +
      (c.config.include_failed
        ? ' This export includes every example, failed ones too, with its scores: it is meant for analysis, not training.'
        : ' Only examples that were generated without error and passed quality control are included.') +
      (c.review && (!c.review.includeUnreviewed || c.review.accepted + c.review.edited + c.review.rejected > 0)
        ? c.review.includeUnreviewed
          ? ' Examples a reviewer rejected are left out; edited ones carry the reviewer’s output.'
          : ' Only examples a reviewer accepted or edited are included (edited ones with the reviewer’s output).'
        : ''),
    '',
    '| split | file | examples | bytes |',
    '| --- | --- | ---: | ---: |',
    ...c.files.map((f) => `| ${f.split} | \`${cell(f.file)}\` | ${f.records} | ${f.bytes} |`),
    '',
    c.config.split === 'none'
      ? 'No train/validation/test split was requested.'
      : `Split by source domain with seed ${c.config.seed} (requested shares: train ${c.config.split.train}, ` +
        `validation ${c.config.split.validation}, test ${c.config.split.test}): every example of a domain is in one ` +
        'split, so no page leaks from one split into another; the actual shares follow the domains.',
    '',
    ...splitHygieneLines(c.splitHygiene),
    '## Counts',
    '',
    '| | examples |',
    '| --- | ---: |',
    `| generated (all) | ${t.examples} |`,
    `| generated ok | ${t.ok} |`,
    `| generation failed | ${t.failed} |`,
    `| passed quality control | ${t.passed} |`,
    `| rejected by quality control | ${t.rejected} |`,
    `| not scored | ${t.unscored} |`,
    `| in this export | ${s.records} |`,
    ...(s.skipped ? [`| left out (an empty prompt or answer) | ${s.skipped} |`] : []),
    '',
    ...reviewSection(c.review),
    `Pass rate: ${pct(t.passed, t.examples)} of all generated examples (${pct(t.passed, t.ok)} of those generated ok).`,
    '',
    ...changesSection(c.changes),
    ...funnelSection(c.funnel),
    ...piiSection(c.piiRedacted, c.piiRedactedKinds),
    '## Token lengths',
    '',
    tokens
      ? `Per example (prompt and answer, tiktoken): min ${tokens.min}, median ${tokens.median}, mean ${tokens.mean.toFixed(1)}, ` +
        `95th percentile ${tokens.p95}, max ${tokens.max}.`
      : 'No examples.',
    '',
    '## Model and template',
    '',
    `- Model${s.models.size > 1 ? 's' : ''}: ${
      s.models.size
        ? byCount(s.models)
            .map(([m, n]) => `\`${m}\` (${n})`)
            .join(', ')
        : (c.settings.model ?? 'unknown')
    }`,
    `- Template${s.templates.size > 1 ? 's' : ''}: ${templates.length ? templates.map((x) => `\`${x}\``).join(', ') : (c.settings.template ?? 'unknown')}`,
    `- Template hash${s.templateHashes.size > 1 ? 'es' : ''}: ${s.templateHashes.size ? [...s.templateHashes.keys()].map((h) => `\`${h}\``).join(', ') : 'unknown'}`,
    ...(c.settings.examplesPerChunk !== null ? [`- Examples asked per chunk: ${c.settings.examplesPerChunk}`] : []),
    ...(c.settings.chunkSize !== null ? [`- Chunk size: ${c.settings.chunkSize} tokens`] : []),
    '',
    '## Quality',
    '',
    `- Minimum score: ${c.settings.minScore ?? 'default'}`,
    `- Checks: ${c.settings.checks?.length ? c.settings.checks.map((x) => `\`${x}\``).join(', ') : 'default'}`,
    `- Mean quality score of the exported examples: ${s.meanQualityScore === null ? 'n/a' : s.meanQualityScore.toFixed(3)}`,
    `- Passed: ${t.passed} of ${t.examples} (${pct(t.passed, t.examples)})`,
    ...groundedLines(c.grounded),
    ...distractorLines(s),
    '',
    '## Cost',
    '',
    `- Whole job (every LLM call): ${c.jobCost === null ? 'unknown' : usd(c.jobCost)}` +
      (c.jobCost !== null && c.jobCostEstimated
        ? ` (of which ${usd(c.jobCostEstimated)} estimated from token counts: calls whose reply or usage was lost)`
        : ''),
    `- Examples in this export: ${usd(s.costSum)}` +
      (s.costUnknown
        ? ` (plus ${s.costUnknown} example${s.costUnknown === 1 ? '' : 's'} whose model price is unknown)`
        : '') +
      (s.records > s.costUnknown ? `, ${usd(s.costSum / (s.records - s.costUnknown))} per example` : ''),
    '',
    '## Sources',
    '',
    `Every source URL is listed in \`${c.sourcesFile}\`, one per line. Examples per domain:`,
    '',
    '| domain | examples |',
    '| --- | ---: |',
    ...domains.map(([d, n]) => `| ${cell(d)} | ${n} |`),
    '',
    ...termsSection(c.sourceTerms, c.respectAiReservations, c.funnel),
    '## Limitations',
    '',
    '- The examples were written by a language model: they can be wrong, incomplete or biased even when they passed the quality checks, which are automatic heuristics and model judgements, not human review.',
    '- The source pages keep their own copyright and terms; the license above covers this compilation only as far as the sources allow. Check them before publishing or training a model you distribute.',
    '- The data covers only the pages listed in the sources file, as they were when fetched; it says nothing about what those pages did not say.',
    ...(c.config.split === 'none'
      ? []
      : [
          '- Splits are grouped by domain: with few domains the shares differ from the requested ratios, and a split can be empty.',
        ]),
    '',
  ];
  return lines.join('\n');
}

/** The grounded rate: examples whose every sentence the check found supported by its chunk, of those it scored. */
export function groundedLines(outcomes: Record<string, number> | null | undefined): string[] {
  if (!outcomes) return [];
  const pass = outcomes.pass ?? 0;
  const fail = outcomes.fail ?? 0;
  const other = [
    ...(outcomes.skipped ? [`${outcomes.skipped} with no claim to check`] : []),
    ...(outcomes.unavailable ? [`${outcomes.unavailable} not checked (no source chunk)`] : []),
  ];
  return [
    `- Grounded rate: ${pct(pass, pass + fail)} (${pass} of ${pass + fail} inspected examples have every sentence ` +
      `supported by their source chunk; ${fail} rejected by the \`grounded\` check)` +
      (other.length ? `; ${other.join(', ')}` : ''),
  ];
}

/** rag records with fewer distractor chunks than asked: flagged, never silently short. */
export function distractorLines(s: ExportStats): string[] {
  if (s.ragShort === 0) return [];
  return [
    `- Distractors: ${s.ragShort} of ${s.ragRecords} rag record${s.ragRecords === 1 ? '' : 's'} have fewer than the ` +
      `${s.ragDistractorsWanted} distractor chunks asked (as few as ${s.ragFewestDistractors}): the job has too few ` +
      "chunks of other documents. Each record's lineage says how many it got (`retrieval.distractorsFound`).",
  ];
}

/** The "Split hygiene" section: near-duplicates across domains, kept on one side of every split. */
function splitHygieneLines(h: SplitHygieneReport | null | undefined): string[] {
  if (!h) return [];
  const lines = [
    '### Split hygiene',
    '',
    `Near-duplicate examples never sit on two sides of a split. All ${h.examples} exported examples were compared ` +
      `(MinHash over character 3-grams, confirmed by a cosine similarity of at least ${h.threshold}); near-duplicates ` +
      'from one domain share its split already, and domains linked by near-duplicates are kept in one split together.',
    '',
    '| check | count |',
    '| --- | ---: |',
    `| near-duplicate pairs across domains | ${h.pairs} |`,
    `| groups of domains kept together | ${h.groups.length} |`,
    `| pairs that would have crossed a split (by domain alone) | ${h.wouldHaveCrossed} |`,
    `| pairs crossing a split now | ${h.crossing} |`,
    '',
    ...(h.unchecked > 0
      ? [
          `${h.unchecked} further candidate pairs between domains already kept together were not compared ` +
            '(they change no split); the pair counts above are lower bounds.',
          '',
        ]
      : []),
  ];
  if (h.groups.length > 0) {
    const shown = h.groups.slice(0, 20);
    lines.push(
      '| split | domains kept together | pairs |',
      '| --- | --- | ---: |',
      ...shown.map((g) => {
        const names = g.domains.slice(0, 8).map(cell).join(', ');
        const more = g.domains.length > 8 ? ` and ${g.domains.length - 8} more` : '';
        return `| ${g.split} | ${names}${more} | ${g.pairs} |`;
      }),
      ...(h.groups.length > shown.length ? [`| | and ${h.groups.length - shown.length} more groups | |`] : []),
      '',
    );
  }
  return lines;
}

const PII_LABEL: Record<PiiType, [string, string]> = {
  email: ['email address', 'email addresses'],
  phone: ['phone number', 'phone numbers'],
  ip: ['IP address', 'IP addresses'],
  credit_card: ['credit-card number', 'credit-card numbers'],
  iban: ['IBAN', 'IBANs'],
  secret: ['API key or secret', 'API keys or secrets'],
};

/** "PII redacted: 12 email addresses, 3 phone numbers", and which kinds were left in. */
export function piiSection(
  counts: Partial<Record<PiiType, number>> | null | undefined,
  kinds: PiiType[] | null | undefined,
): string[] {
  if (!counts && !kinds) return [];
  const found = PII_TYPES.filter((t) => (counts?.[t] ?? 0) > 0).map((t) => {
    const n = counts![t]!;
    return `${n} ${PII_LABEL[t][n === 1 ? 0 : 1]}`;
  });
  const off = kinds ? PII_TYPES.filter((t) => !kinds.includes(t)) : [];
  return [
    '## Personal data',
    '',
    `PII redacted: ${found.length ? found.join(', ') : 'none found'}. Before generation, each value in the chunks was ` +
      'replaced by a typed placeholder (`<EMAIL>`, `<PHONE>`, `<IP>`, `<CREDIT_CARD>`, `<IBAN>`, `<SECRET>`); ' +
      'the rules are patterns with checksums, so some personal data (names, postal addresses) is not caught.' +
      (off.length ? ` Not redacted in this job: ${off.map((t) => PII_LABEL[t][1]).join(', ')}.` : ''),
    '',
  ];
}

const STAGE_LABEL: Record<string, string> = {
  fetch: 'fetch',
  refine: 'extract text',
  dedup: 'deduplicate chunks',
  generate: 'generate examples',
  inspect: 'quality control',
  export: 'export',
};

/**
 * "Where the rows went": the job's funnel as a table, one row per stage: what
 * came in, what went on, and every drop with its reasons; then whether every
 * stage adds up. Empty when there is no funnel.
 */
export /** The "Human review" lines: how many passed examples people accepted, edited, rejected or left unreviewed. */
function reviewSection(r: DatasetCardInput['review']): string[] {
  if (!r) return [];
  const reviewed = r.accepted + r.edited + r.rejected;
  if (reviewed === 0 && r.includeUnreviewed) return ['No example was reviewed by a person.', ''];
  return [
    '### Human review',
    '',
    '| review | examples |',
    '| --- | ---: |',
    `| accepted | ${r.accepted} |`,
    `| edited (exported with the reviewer's output) | ${r.edited} |`,
    `| rejected (never exported) | ${r.rejected} |`,
    `| unreviewed (${r.includeUnreviewed ? 'exported' : 'left out of this export'}) | ${r.unreviewed} |`,
    '',
    `${reviewed} of ${reviewed + r.unreviewed} examples that passed quality control were reviewed by a person.`,
    '',
  ];
}

export function funnelSection(funnel: JobFunnel | null | undefined): string[] {
  if (!funnel) return [];
  const rows = funnel.stages.map((s) => {
    const on = s.outcomes.filter((o) => o.next);
    const off = s.outcomes.filter((o) => !o.next && o.count > 0);
    const dropped = off
      .map(
        (o) =>
          `${o.outcome.replace(/_/g, ' ')} ${o.count}${o.reasons.length ? ` (${formatReasons(o.reasons, 6)})` : ''}`,
      )
      .join('; ');
    const passedOn = on.map((o) => `${o.outcome.replace(/_/g, ' ')} ${o.count}`).join(', ');
    return `| ${STAGE_LABEL[s.stage] ?? s.stage} | ${s.input} ${s.unit}${s.input === 1 ? '' : 's'} | ${passedOn} | ${cell(dropped || '—')} | ${s.holds ? 'yes' : '**no**'} |`;
  });
  return [
    '## Where the rows went',
    '',
    `Every URL, page, chunk and example of job \`${funnel.jobId}\`, counted from the stored rows: each stage's input ` +
      'is split into what went on and what was dropped, with a reason code for every drop.' +
      (funnel.examplesPerChunk !== null
        ? ` Examples asked = original chunks × ${funnel.examplesPerChunk} per chunk.`
        : ''),
    '',
    '| stage | in | went on | dropped (reasons) | adds up |',
    '| --- | ---: | --- | --- | --- |',
    ...rows,
    '',
    funnel.holds
      ? 'Every stage adds up: its input equals the sum of its outcomes.'
      : 'Some stage does not add up (see "adds up"): rows were lost or counted twice.',
    '',
  ];
}

function describeFormat(format: DatasetFormat): string {
  switch (format) {
    case 'openai':
      return 'OpenAI fine-tuning JSONL: {"messages": [...]} per line (preference: {"input", "preferred_output", "non_preferred_output"})';
    case 'alpaca':
      return 'Alpaca JSONL: {"instruction", "input", "output"} per line';
    case 'sharegpt':
      return 'ShareGPT JSONL: {"conversations": [human, gpt, ...]} per line (preference: with chosen and rejected)';
    case 'trl':
      return 'TRL JSONL: {"prompt", "chosen", "rejected"} per line for preference data, {"messages": [...]} otherwise';
    case 'json':
      return 'a JSON array of records with source, model and scores';
    case 'csv':
      return 'CSV (RFC 4180, UTF-8, header row) with source, model and scores';
    case 'parquet':
      return 'Apache Parquet, one row per example with source, model and scores';
    default:
      return `JSON Lines, one record per ${FORMAT_INFO[format].extension === 'jsonl' ? 'line' : 'row'} with source, model and scores`;
  }
}

/** URLs listed per kind of change in the card at most (the counts are always whole). */
const CHANGES_LISTED = 100;

/** "Changes since the previous version": a refresh's pages added, changed, removed and unchanged, with URLs. */
export function changesSection(ch: CardChanges | null | undefined): string[] {
  if (!ch) return [];
  const list = (title: string, pages: { url: string; reason?: string }[]) =>
    pages.length
      ? [
          `### ${title} (${pages.length})`,
          '',
          ...pages.slice(0, CHANGES_LISTED).map((p) => `- ${p.url}${p.reason ? ` (${p.reason})` : ''}`),
          ...(pages.length > CHANGES_LISTED ? [`- ... and ${pages.length - CHANGES_LISTED} more`] : []),
          '',
        ]
      : [];
  return [
    '## Changes since the previous version',
    '',
    `A refresh of job \`${ch.parentJobId}\`` +
      (ch.previousVersion ? ` (dataset version ${ch.previousVersion})` : '') +
      ': its pages were fetched again with conditional requests; only the chunks that are new or changed were ' +
      'generated and inspected again, the examples of unchanged chunks were carried over as they were.',
    '',
    '| pages | count |',
    '| --- | ---: |',
    `| added | ${ch.added.length} |`,
    `| changed | ${ch.changed.length} |`,
    `| removed | ${ch.removed.length} |`,
    `| unchanged | ${ch.unchanged.length} |`,
    `| of which answered 304 Not Modified | ${ch.notModified} |`,
    '',
    `Examples: ${ch.examplesGenerated} generated in this refresh, ${ch.examplesCarried} carried over from the previous version.`,
    '',
    ...list('Added', ch.added),
    ...list('Changed', ch.changed),
    ...list('Removed', ch.removed),
  ];
}
