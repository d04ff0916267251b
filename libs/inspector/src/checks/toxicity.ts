import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { QualityConfig } from '../config.js';
import { round } from '../text.js';
import type { CheckResult } from '../types.js';

/** Detoxify's label names, which the stored scores use whatever the model's config calls them. */
export const TOXICITY_LABELS = [
  'toxicity',
  'severe_toxicity',
  'obscene',
  'threat',
  'insult',
  'identity_attack',
] as const;
export type ToxicityLabel = (typeof TOXICITY_LABELS)[number];
export type ToxicityScores = Record<string, number>;

/** toxic-bert's (Jigsaw) label names → Detoxify's. */
const LABEL_ALIASES: Record<string, ToxicityLabel> = {
  toxic: 'toxicity',
  toxicity: 'toxicity',
  severe_toxic: 'severe_toxicity',
  severe_toxicity: 'severe_toxicity',
  obscene: 'obscene',
  threat: 'threat',
  insult: 'insult',
  identity_hate: 'identity_attack',
  identity_attack: 'identity_attack',
};

export interface ToxicityModelOptions {
  /** A hub id such as `Xenova/toxic-bert`, or a local folder with config.json, tokenizer.json and onnx/model.onnx. */
  model: string;
  /** Where hub models are downloaded and cached (DATA_DIR/models); needed for hub ids. */
  cacheDir?: string;
  /** Whether a hub model may be downloaded when it is not cached (default true; tests and offline installs: false). */
  allowDownload?: boolean;
  dtype?: QualityConfig['toxicity']['dtype'];
  /** Tokens kept per text (BERT's limit is 512). */
  maxTokens?: number;
  /** A Hugging Face mirror to download hub models from (HF_ENDPOINT); default https://huggingface.co. */
  hubUrl?: string;
}

/** The model could not be loaded: the toxicity check reports `unavailable` with this message. */
export class ToxicityModelUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ToxicityModelUnavailableError';
  }
}

/** Folder where hub models are cached under DATA_DIR. */
export function modelCacheDir(dataDir: string): string {
  return path.join(dataDir, 'models');
}

/** The ONNX file the loader reads for each dtype (the layout of Xenova's exports). */
export const ONNX_FILES: Record<QualityConfig['toxicity']['dtype'], string> = {
  fp32: 'onnx/model.onnx',
  q8: 'onnx/model_quantized.onnx',
};

/**
 * What a model folder lacks for this loader (config.json with id2label,
 * tokenizer.json, tokenizer_config.json, the ONNX file of `dtype`), as one
 * sentence; null when it has everything.
 */
export function modelFolderProblem(dir: string, dtype: QualityConfig['toxicity']['dtype'] = 'fp32'): string | null {
  if (!existsSync(dir)) return `${dir} does not exist`;
  const missing = ['config.json', 'tokenizer.json', 'tokenizer_config.json', ONNX_FILES[dtype]].filter(
    (f) => !existsSync(path.join(dir, f)),
  );
  if (missing.length) {
    return `${dir} is not a toxicity model folder: missing ${missing.join(', ')} (copy the whole folder of an ONNX export such as Xenova/toxic-bert)`;
  }
  try {
    const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as { id2label?: object };
    if (!config.id2label || Object.keys(config.id2label).length === 0) return `${dir}/config.json has no id2label`;
  } catch (e) {
    return `${dir}/config.json is not JSON (${(e as Error).message})`;
  }
  return null;
}

/** True when `model` names a folder rather than a hub id. */
export function isLocalModel(model: string): boolean {
  return path.isAbsolute(model) || /^\.{1,2}[\\/]/.test(model) || model.startsWith('~') || existsSync(model);
}

type Tokenizer = (
  texts: string[],
  options: { padding: boolean; truncation: boolean; max_length: number },
) => Record<string, unknown>;
interface SequenceClassifier {
  (inputs: Record<string, unknown>): Promise<{ logits: { dims: number[]; data: ArrayLike<number> } }>;
  config: { id2label?: Record<string, string> };
  dispose(): Promise<unknown>;
}

/**
 * A Detoxify-style multi-label toxicity classifier (Unitary's toxic-bert as
 * an ONNX export) run on onnxruntime-node through @huggingface/transformers:
 * the tokenizer and the graph are loaded from the folder or the hub cache,
 * texts are scored in batches, and each label gets sigmoid(logit).
 */
export class ToxicityClassifier {
  private constructor(
    private readonly tokenizer: Tokenizer,
    private readonly model: SequenceClassifier,
    /** Detoxify label of each logit column. */
    readonly labels: string[],
    private readonly maxTokens: number,
    readonly source: string,
  ) {}

  /** Loads the model; throws ToxicityModelUnavailableError saying why it cannot be had. */
  static async load(options: ToxicityModelOptions): Promise<ToxicityClassifier> {
    // A hub model already complete in the cache folder (downloaded, or installed by `datafactory models pull
    // --from`) is loaded as a folder: @huggingface/transformers 4.3 asks the hub about the tokenizer's files
    // even when the model is cached and local_files_only is set, which fails on an offline machine.
    const cached = isLocalModel(options.model) || !options.cacheDir ? undefined : cachedFolder(options);
    const local = cached !== undefined || isLocalModel(options.model);
    const source = cached ?? (local ? path.resolve(options.model) : options.model);
    if (local && !existsSync(path.join(source, 'config.json'))) {
      throw new ToxicityModelUnavailableError(
        `toxicity model folder ${source} not found (or has no config.json): put an ONNX export of toxic-bert there, or set quality.toxicity.model to a hub id`,
      );
    }
    if (!local && !options.cacheDir) {
      throw new ToxicityModelUnavailableError(`toxicity model ${source}: no cache folder given for hub models`);
    }
    const pretrained = {
      local_files_only: local || options.allowDownload === false,
      ...(local ? {} : { cache_dir: options.cacheDir }),
    };
    // An optional dependency (≈450 MB with onnxruntime): loaded only when the toxicity check runs.
    let transformers: typeof import('@huggingface/transformers');
    try {
      transformers = await import('@huggingface/transformers');
    } catch (e) {
      throw new ToxicityModelUnavailableError(
        `the toxicity check needs the optional package @huggingface/transformers, which is not installed ` +
          `(npm install @huggingface/transformers): ${e instanceof Error ? e.message : String(e)}`,
        { cause: e },
      );
    }
    const { AutoModelForSequenceClassification, AutoTokenizer, env } = transformers;
    // The library's setting is process-wide; every loader of this process passes the operator's one value.
    if (options.hubUrl) env.remoteHost = options.hubUrl.endsWith('/') ? options.hubUrl : `${options.hubUrl}/`;
    try {
      const tokenizer = (await AutoTokenizer.from_pretrained(source, pretrained)) as unknown as Tokenizer;
      const model = (await AutoModelForSequenceClassification.from_pretrained(source, {
        ...pretrained,
        dtype: options.dtype ?? 'fp32',
        device: 'cpu',
      })) as unknown as SequenceClassifier;
      const id2label = model.config.id2label ?? {};
      const count = Object.keys(id2label).length;
      if (count === 0) throw new Error('config.json has no id2label');
      const labels = Array.from({ length: count }, (_, i) => {
        const name = String(id2label[String(i)] ?? `label_${i}`)
          .toLowerCase()
          .replace(/\W+/g, '_');
        return LABEL_ALIASES[name] ?? name;
      });
      return new ToxicityClassifier(tokenizer, model, labels, options.maxTokens ?? 512, source);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      const hint = local
        ? ''
        : options.allowDownload === false
          ? ' (downloads are off)'
          : ' (download failed: offline?)';
      throw new ToxicityModelUnavailableError(`toxicity model ${source} could not be loaded${hint}: ${why}`, {
        cause: e,
      });
    }
  }

  /** Per-label probabilities for each text, in one forward pass per `batchSize` texts. */
  async classify(texts: string[], batchSize = 16): Promise<ToxicityScores[]> {
    const results: ToxicityScores[] = [];
    for (let start = 0; start < texts.length; start += batchSize) {
      const batch = texts.slice(start, start + batchSize).map((t) => (t.trim() === '' ? ' ' : t));
      const inputs = this.tokenizer(batch, { padding: true, truncation: true, max_length: this.maxTokens });
      const { logits } = await this.model(inputs);
      const width = logits.dims[1]!;
      for (let row = 0; row < batch.length; row++) {
        const scores: ToxicityScores = {};
        for (let col = 0; col < width; col++) {
          scores[this.labels[col] ?? `label_${col}`] = round(sigmoid(Number(logits.data[row * width + col])));
        }
        results.push(scores);
      }
    }
    return results;
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
  }
}

/** DATA_DIR/models/<hub id>, when it holds everything the loader reads. */
function cachedFolder(options: ToxicityModelOptions): string | undefined {
  const parts = options.model.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..')) return undefined;
  const dir = path.join(options.cacheDir!, ...parts);
  return modelFolderProblem(dir, options.dtype) === null ? dir : undefined;
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** The toxicity check from a text's label scores: fails when any label reaches the threshold. */
export function toxicityResult(scores: ToxicityScores, threshold: number): CheckResult {
  const entries = Object.entries(scores);
  const worst = entries.reduce((a, b) => (b[1] > a[1] ? b : a), ['none', 0] as [string, number]);
  const flagged = entries.filter(([, p]) => p >= threshold).map(([label]) => label);
  const score = round(1 - worst[1]);
  if (flagged.length === 0) {
    return {
      status: 'pass',
      score,
      reason: `no toxicity label reaches ${threshold} (highest: ${worst[0]} ${worst[1]})`,
      codes: [],
      data: { labels: scores },
    };
  }
  return {
    status: 'fail',
    score,
    reason: `toxic: ${flagged.map((l) => `${l} ${scores[l]}`).join(', ')} (threshold ${threshold})`,
    codes: ['toxic', ...flagged.map((l) => `toxic:${l}`)],
    data: { labels: scores },
  };
}

export function unavailableResult(reason: string): CheckResult {
  return { status: 'unavailable', score: null, reason, codes: ['unavailable'] };
}
