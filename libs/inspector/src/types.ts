import type { CheckName } from './config.js';

/**
 * What one check says about one example:
 * - `pass` / `fail`: the check ran; `fail` carries a reason code in `codes`;
 * - `skipped`: the check does not apply (an output too short to score for readability,
 *   a schema-less example); it neither counts in the score nor blocks passing;
 * - `unavailable`: the check could not run (toxicity model missing, judge unreachable);
 *   the example is not passed unless `quality.allow_unavailable` is true.
 */
export type CheckStatus = 'pass' | 'fail' | 'skipped' | 'unavailable';

export interface CheckResult {
  status: CheckStatus;
  /** 0–1, higher is better; null when skipped or unavailable. */
  score: number | null;
  /** One sentence a reviewer can read: why it failed, or what was measured. */
  reason: string;
  /** Machine-readable reasons of a failure (`refusal`, `toxic`, `near_duplicate`...); empty when passed. */
  codes: string[];
  /** What the check measured (per-label toxicity, Flesch figures, the duplicate's id...). */
  data?: Record<string, unknown>;
}

/** One example as the inspector sees it: plain data, wherever it comes from. */
export interface InspectableExample {
  id: string;
  templateType: string;
  inputText: string;
  outputText: string;
  /** The structured example the template's JSON schema describes (e.g. {question, answer}), when known. */
  fields?: Record<string, unknown> | null;
  /** The source chunk, for the language rule and the judge. */
  chunkText?: string | null;
  chunkLanguage?: string | null;
}

/** What `quality_details` holds for an example. */
export interface QualityDetails {
  /** Shape version of this object. */
  version: 1;
  score: number;
  passed: boolean;
  minScore: number;
  checks: Partial<Record<CheckName, CheckResult>>;
  /** Checks that failed (status `fail`), and those that could not run, for quick filtering. */
  failed: CheckName[];
  unavailable: CheckName[];
  inspectedAt: string;
}

export interface InspectionResult {
  id: string;
  score: number;
  passed: boolean;
  details: QualityDetails;
}
