import { Ajv, type ValidateFunction } from 'ajv';
import { detectLanguage } from '@datafactory/text';
import type { QualityConfig } from '../config.js';
import { charNgramVector, cosine, round } from '../text.js';
import type { CheckResult, InspectableExample } from '../types.js';

export type JsonSchema = Record<string, unknown>;

/** Reason codes of the format check, one per rule. */
export const FormatRule = {
  Schema: 'schema',
  EmptyField: 'empty_field',
  TooShort: 'too_short',
  TooLong: 'too_long',
  AnswerCopiesQuestion: 'answer_copies_question',
  NotAQuestion: 'not_a_question',
  Refusal: 'refusal',
  WrongLanguage: 'wrong_language',
} as const;
export type FormatRule = (typeof FormatRule)[keyof typeof FormatRule];

const ajv = new Ajv({ allErrors: true, strict: false });
const compiled = new WeakMap<JsonSchema, ValidateFunction>();

function validatorFor(schema: JsonSchema): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

/** Phrases that mark a model refusing or talking about itself instead of answering. */
const REFUSAL =
  /\b(as an ai\b|as a(n)? (ai )?language model|i('m| am) (just )?an ai\b|i (cannot|can't|can not|am unable to|am not able to|won't) (help|assist|provide|answer|comply|fulfil|fulfill)|i('m| am) sorry,? but i (cannot|can't|am unable)|the (provided |given )?text does not (contain|provide|mention)|not (mentioned|specified|provided) in the (given |provided )?text)/i;

/** Words that open an English question (questions in other languages are recognised by their question mark). */
const QUESTION_START =
  /^(what|how|why|when|where|who|whom|whose|which|is|are|was|were|can|could|does|do|did|should|would|will|has|have|had|may|might|must|shall|explain|describe|list|name|compare|give|summari[sz]e|define)\b/i;
const QUESTION_MARK = /[?？؟\u037e]\s*["'”’)]*\s*$/;

/** Templates whose input is a question. */
const QUESTION_TEMPLATES = new Set(['qa']);

/** The refiner's detector (libs/text): one threshold for pages, chunks and examples. */
export { detectLanguage };

/**
 * The format check: the template's JSON schema, then the rules a reviewer
 * applies. Every rule that fails adds its code and a sentence to the reason.
 * Score: 1 when every rule holds, minus 0.5 per failed rule (at least 0).
 */
export function checkFormat(
  example: InspectableExample,
  config: QualityConfig['format'],
  schema?: JsonSchema | null,
): CheckResult {
  const failures: { code: FormatRule; reason: string }[] = [];
  const add = (code: FormatRule, reason: string) => failures.push({ code, reason });
  const input = example.inputText ?? '';
  const output = example.outputText ?? '';
  const data: Record<string, unknown> = {};

  if (schema && example.fields) {
    const validate = validatorFor(schema);
    if (!validate(example.fields)) {
      const problems = (validate.errors ?? []).map(
        (e) => `${e.instancePath || '(example)'} ${e.message ?? 'is invalid'}`,
      );
      add(FormatRule.Schema, `does not match the template schema: ${problems.join('; ')}`);
    }
  } else {
    data.schema = schema ? 'not checked: no structured fields stored' : 'not checked: no schema given';
  }

  const blankFields = Object.entries(example.fields ?? {})
    .filter(([, v]) => typeof v === 'string' && v !== '' && v.trim() === '')
    .map(([k]) => k);
  if (input.trim() === '') blankFields.unshift('input');
  if (output.trim() === '') blankFields.unshift('output');
  if (blankFields.length) add(FormatRule.EmptyField, `empty or whitespace-only: ${blankFields.join(', ')}`);

  const bounds = [
    ['input', input.trim().length, config.min_input_chars, config.max_input_chars],
    ['output', output.trim().length, config.min_output_chars, config.max_output_chars],
  ] as const;
  for (const [name, length, min, max] of bounds) {
    if (length > 0 && length < min) add(FormatRule.TooShort, `${name} has ${length} characters, fewer than ${min}`);
    if (length > max) add(FormatRule.TooLong, `${name} has ${length} characters, more than ${max}`);
  }

  if (input.trim() && output.trim()) {
    const similarity = cosine(charNgramVector(input), charNgramVector(output));
    data.copySimilarity = round(similarity);
    if (similarity >= config.max_copy_similarity) {
      add(FormatRule.AnswerCopiesQuestion, `the output repeats the input (similarity ${round(similarity, 2)})`);
    }
  }

  const question = typeof example.fields?.question === 'string' ? example.fields.question : input;
  if (
    (QUESTION_TEMPLATES.has(example.templateType) || typeof example.fields?.question === 'string') &&
    question.trim()
  ) {
    const q = question.trim();
    if (!QUESTION_MARK.test(q) && !QUESTION_START.test(q)) {
      add(FormatRule.NotAQuestion, `the question is not phrased as a question: "${clip(q)}"`);
    }
  }

  const refusal = REFUSAL.exec(output);
  if (refusal) add(FormatRule.Refusal, `the output is a refusal or meta-comment ("${refusal[0]}")`);

  if (config.check_language && example.chunkLanguage) {
    const language = detectLanguage(`${input}\n${output}`);
    data.language = language;
    if (language && language !== example.chunkLanguage.toLowerCase().slice(0, 2)) {
      add(
        FormatRule.WrongLanguage,
        `the example is in "${language}" but its source chunk is in "${example.chunkLanguage}"`,
      );
    }
  }

  const codes = [...new Set(failures.map((f) => f.code))];
  return {
    status: failures.length ? 'fail' : 'pass',
    score: Math.max(0, 1 - 0.5 * failures.length),
    reason: failures.length ? failures.map((f) => `${f.code}: ${f.reason}`).join('; ') : 'every format rule holds',
    codes,
    data,
  };
}

function clip(text: string, max = 80): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
