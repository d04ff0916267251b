import type { CheckName, QualityConfig } from './config.js';
import { type DuplicateChecker, NearDuplicateIndex, duplicateResult, duplicateText } from './checks/duplicates.js';
import { checkFormat, type JsonSchema } from './checks/format.js';
import { checkGrounded, groundedAnswer } from './checks/grounded.js';
import { type GroundedAnswerJudge, withJudgeVerdict } from './checks/grounded-judge.js';
import { checkReadability } from './checks/readability.js';
import {
  ToxicityClassifier,
  ToxicityModelUnavailableError,
  type ToxicityModelOptions,
  toxicityResult,
  unavailableResult,
} from './checks/toxicity.js';
import { round } from './text.js';
import type { CheckResult, InspectableExample, InspectionResult, QualityDetails } from './types.js';

/** Something that rates an example (the LLM judge, or a stand-in). */
export interface ExampleJudge {
  judge(example: InspectableExample): Promise<CheckResult>;
}

export interface InspectorOptions {
  /** The resolved quality config (see resolveQualityConfig). */
  config: QualityConfig;
  /** JSON schema of one example per template type, for the format check. */
  schemas?: Record<string, JsonSchema> | ((templateType: string) => JsonSchema | null | undefined);
  /**
   * How to get the toxicity model: where hub models are cached and whether they may be downloaded
   * (the model id itself is `config.toxicity.model`); or a loaded classifier to share.
   */
  toxicity?: Omit<ToxicityModelOptions, 'model' | 'dtype'> | ToxicityClassifier;
  /**
   * The near-duplicate index to add to: in memory by default; pass one seeded with earlier examples to
   * compare across a project, or a SharedExampleIndex to compare with what every worker inspected.
   */
  duplicates?: DuplicateChecker;
  judge?: ExampleJudge;
  /**
   * The grounded check's LLM level (with `quality.judge.model` set and `grounded.use_judge`): asked about every
   * example the local level could read; without it the local level decides alone.
   */
  groundedJudge?: GroundedAnswerJudge;
  /** Clock for `inspectedAt`. */
  now?: () => Date;
}

/** Loaded classifiers by model, dtype and cache folder, shared by every inspector of the process. */
const classifiers = new Map<string, Promise<ToxicityClassifier>>();

/** Loads (once per process) the toxicity model; a failed load is not cached, so a later job tries again. */
export function loadToxicityClassifier(options: ToxicityModelOptions): Promise<ToxicityClassifier> {
  const key = JSON.stringify([options.model, options.dtype ?? 'fp32', options.cacheDir ?? '', options.allowDownload]);
  let loading = classifiers.get(key);
  if (!loading) {
    loading = ToxicityClassifier.load(options);
    classifiers.set(key, loading);
    loading.catch(() => classifiers.delete(key));
  }
  return loading;
}

/**
 * Scores training examples. Knows nothing of queues, the CLI or the database:
 * examples in, one InspectionResult per example out (in the same order). One
 * Inspector per job keeps the job's near-duplicate index, so call inspect()
 * with successive batches of the same job on the same instance.
 */
export class Inspector {
  readonly config: QualityConfig;
  readonly duplicates: DuplicateChecker;
  private readonly checks: Set<CheckName>;
  private toxicity: Promise<ToxicityClassifier | ToxicityModelUnavailableError> | null = null;

  constructor(private readonly options: InspectorOptions) {
    this.config = options.config;
    this.checks = new Set(options.config.checks);
    this.duplicates = options.duplicates ?? new NearDuplicateIndex({ threshold: options.config.duplicates.threshold });
  }

  async inspect(examples: InspectableExample[]): Promise<InspectionResult[]> {
    const perExample: Partial<Record<CheckName, CheckResult>>[] = examples.map(() => ({}));
    const { config } = this;

    const batch = this.checks.has('duplicates') && this.duplicates.addAll !== undefined;
    for (const [i, example] of examples.entries()) {
      const checks = perExample[i]!;
      if (this.checks.has('format')) checks.format = checkFormat(example, config.format, this.schemaFor(example));
      if (this.checks.has('readability')) checks.readability = checkReadability(example, config.readability);
      if (this.checks.has('duplicates') && !batch) {
        // In order: each example is compared with the ones before it.
        const match = await this.duplicates.add(example.id, duplicateText(example.inputText, example.outputText));
        checks.duplicates = duplicateResult(example.id, match);
      }
    }
    if (batch && examples.length) {
      // The whole batch in one call (one transaction for a checker in the database), still in order.
      const matches = await this.duplicates.addAll!(
        examples.map((e) => ({ id: e.id, text: duplicateText(e.inputText, e.outputText) })),
      );
      examples.forEach((e, i) => (perExample[i]!.duplicates = duplicateResult(e.id, matches[i] ?? null)));
    }

    if (this.checks.has('toxicity') && examples.length) {
      const classifier = await this.toxicityClassifier();
      if (classifier instanceof ToxicityModelUnavailableError) {
        for (const checks of perExample) checks.toxicity = unavailableResult(classifier.message);
      } else {
        try {
          const scores = await classifier.classify(
            examples.map((e) => `${e.inputText}\n${e.outputText}`),
            config.toxicity.batch_size,
          );
          scores.forEach((s, i) => (perExample[i]!.toxicity = toxicityResult(s, config.toxicity.threshold)));
        } catch (e) {
          const why = `toxicity model failed on this batch: ${e instanceof Error ? e.message : String(e)}`;
          for (const checks of perExample) checks.toxicity = unavailableResult(why);
        }
      }
    }

    if (this.checks.has('judge')) {
      const judge = this.options.judge;
      await Promise.all(
        examples.map(async (example, i) => {
          perExample[i]!.judge = judge
            ? await judge
                .judge(example)
                .catch((e: unknown) =>
                  unavailableResult(`LLM judge failed: ${e instanceof Error ? e.message : String(e)}`),
                )
            : unavailableResult('no LLM judge configured (set OPENAI_API_KEY or OPENAI_BASE_URL)');
        }),
      );
    }

    if (this.checks.has('grounded')) {
      const judge = config.grounded.use_judge ? this.options.groundedJudge : undefined;
      await Promise.all(
        examples.map(async (example, i) => {
          const local = checkGrounded(example, config.grounded);
          const answer = groundedAnswer(example);
          perExample[i]!.grounded =
            judge && answer !== null && local.status !== 'unavailable' && local.status !== 'skipped'
              ? withJudgeVerdict(local, await judge.verdict(example, answer))
              : local;
        }),
      );
    }

    const inspectedAt = (this.options.now?.() ?? new Date()).toISOString();
    return examples.map((example, i) => this.combine(example.id, perExample[i]!, inspectedAt));
  }

  /** Composite score and verdict from the per-check results. */
  private combine(id: string, checks: Partial<Record<CheckName, CheckResult>>, inspectedAt: string): InspectionResult {
    const entries = Object.entries(checks) as [CheckName, CheckResult][];
    const scored = entries.filter(([, r]) => r.status === 'pass' || r.status === 'fail');
    const failed = entries.filter(([, r]) => r.status === 'fail').map(([name]) => name);
    const unavailable = entries.filter(([, r]) => r.status === 'unavailable').map(([name]) => name);
    const score = scored.length
      ? round(scored.reduce((sum, [, r]) => sum + (r.score ?? 0), 0) / scored.length)
      : unavailable.length
        ? 0
        : 1;
    const passed =
      failed.length === 0 &&
      (unavailable.length === 0 || this.config.allow_unavailable) &&
      score >= this.config.min_score;
    const details: QualityDetails = {
      version: 1,
      score,
      passed,
      minScore: this.config.min_score,
      checks,
      failed,
      unavailable,
      inspectedAt,
    };
    return { id, score, passed, details };
  }

  private schemaFor(example: InspectableExample): JsonSchema | null {
    const { schemas } = this.options;
    if (!schemas) return null;
    return (typeof schemas === 'function' ? schemas(example.templateType) : schemas[example.templateType]) ?? null;
  }

  private toxicityClassifier(): Promise<ToxicityClassifier | ToxicityModelUnavailableError> {
    if (!this.toxicity) {
      const given = this.options.toxicity;
      const loading =
        given instanceof ToxicityClassifier
          ? Promise.resolve(given)
          : loadToxicityClassifier({
              ...given,
              model: this.config.toxicity.model,
              dtype: this.config.toxicity.dtype,
            });
      this.toxicity = loading.catch((e: unknown) =>
        e instanceof ToxicityModelUnavailableError
          ? e
          : new ToxicityModelUnavailableError(`toxicity model: ${e instanceof Error ? e.message : String(e)}`),
      );
    }
    return this.toxicity;
  }
}
