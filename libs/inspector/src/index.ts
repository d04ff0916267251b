export * from './config.js';
export * from './types.js';
export * from './inspector.js';
export * from './report.js';
export * from './storage.js';
export { checkFormat, detectLanguage, FormatRule, type JsonSchema } from './checks/format.js';
export { checkReadability, READABILITY_BANDS, readabilityBand } from './checks/readability.js';
export {
  NearDuplicateIndex,
  ExampleHasher,
  duplicateText,
  type DuplicateChecker,
  type DuplicateMatch,
  type NearDuplicateIndexOptions,
} from './checks/duplicates.js';
export {
  ToxicityClassifier,
  ToxicityModelUnavailableError,
  TOXICITY_LABELS,
  isLocalModel,
  modelCacheDir,
  modelFolderProblem,
  ONNX_FILES,
  type ToxicityModelOptions,
  type ToxicityScores,
} from './checks/toxicity.js';
export {
  JUDGE_REPLY_TOKENS,
  LlmJudge,
  judgeCost,
  type JudgeCall,
  type JudgeUsage,
  type LlmJudgeOptions,
} from './checks/judge.js';
export * from './model-install.js';
export {
  checkGrounded,
  groundedAnswer,
  groundedness,
  type GroundedOptions,
  type UnsupportedSentence,
} from './checks/grounded.js';
export {
  GROUNDED_JUDGE_PROMPT_START,
  LlmGroundedJudge,
  parseGroundedVerdict,
  type GroundedAnswerJudge,
  type GroundedJudgeOptions,
  type GroundedJudgeUnavailable,
  type GroundedVerdict,
} from './checks/grounded-judge.js';
