import { createHash } from 'node:crypto';

/**
 * The per-chunk generation controls a job sets in `generation.template_params`
 * (validated by libs/contracts job-config/generation.ts): one example per
 * persona, a difficulty, and for the `rag` template how many distractor
 * chunks go with each example and the share of examples without the oracle.
 */
export interface GenerationControls {
  personas: string[] | null;
  difficulty: string | null;
  distractors: number;
  noOracleShare: number;
}

export const RAG_DEFAULTS = { distractors: 3, noOracleShare: 0.2 } as const;

export function generationControls(params: Record<string, unknown>): GenerationControls {
  const personas = Array.isArray(params.personas) && params.personas.length ? params.personas.map(String) : null;
  return {
    personas,
    difficulty: typeof params.difficulty === 'string' ? params.difficulty : null,
    distractors: typeof params.distractors === 'number' ? params.distractors : RAG_DEFAULTS.distractors,
    noOracleShare: typeof params.no_oracle_share === 'number' ? params.no_oracle_share : RAG_DEFAULTS.noOracleShare,
  };
}

/** Examples one call asks for: one per persona when there are personas, else the job's or the template's count. */
export function examplesAsked(
  params: Record<string, unknown>,
  given: number | undefined,
  templateDefault: number,
): number {
  return generationControls(params).personas?.length ?? given ?? templateDefault;
}

/** `sha256:` + 16 hex digits over the examples asked and the template parameters, recorded in lineage. */
export function paramsHash(examplesPerChunk: number, params: Record<string, unknown>): string {
  return `sha256:${createHash('sha256').update(canonical({ examplesPerChunk, params })).digest('hex').slice(0, 16)}`;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** A number in [0, 1) from a key: the same key always gives the same number. */
export function unitHash(key: string): number {
  return createHash('sha256').update(key).digest().readUInt32BE(0) / 2 ** 32;
}

/** A chunk of another document of the job, shown beside the oracle in a `rag` example. */
export interface DistractorChunk {
  chunkId: string;
  documentId: string | null;
  text: string;
}

/** The documents of one `rag` example, in the order the user turn shows them. */
export interface RetrievalContext {
  documents: { chunkId: string; text: string }[];
  /** Where the oracle (the chunk the answer quotes) is in `documents`; null for an example without it. */
  oracleIndex: number | null;
}

/**
 * The documents of example `index` of a chunk: its distractors plus, unless
 * this example falls in the no-oracle share, the chunk itself, shuffled by
 * hash. The same chunk, distractors and index always give the same context.
 */
export function retrievalContext(
  chunk: { id: string; text: string },
  distractors: readonly DistractorChunk[],
  index: number,
  noOracleShare: number,
): RetrievalContext {
  const withOracle = unitHash(`${chunk.id}:${index}:oracle`) >= noOracleShare;
  const docs = [
    ...distractors.map((d) => ({ chunkId: d.chunkId, text: d.text })),
    ...(withOracle ? [{ chunkId: chunk.id, text: chunk.text }] : []),
  ];
  const ordered = docs
    .map((d) => ({ d, key: unitHash(`${chunk.id}:${index}:${d.chunkId}`) }))
    .sort((a, b) => a.key - b.key)
    .map(({ d }) => d);
  const oracleIndex = withOracle ? ordered.findIndex((d) => d.chunkId === chunk.id) : null;
  return { documents: ordered, oracleIndex };
}
