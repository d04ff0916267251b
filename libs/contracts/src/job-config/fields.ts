import { z } from 'zod';

/**
 * Field builders for the job config sections. Every field's message is the
 * problem as the API shows it after the field's dotted name
 * (`must be an integer from 1 to 256 (got "many")`); the words are the ones
 * the stage validators used before the schemas, and their specs pin them.
 */

/** How a bad value is quoted in a message (`"many"`, `0`, `null`). */
export type Shown = (value: unknown) => string;
export const json: Shown = (v) => JSON.stringify(v);

/** One message for every way a field can be wrong: its type, and each of its checks. */
export const must = (what: string, show: Shown = json) => ({
  error: (iss: { input?: unknown }) => `must be ${what} (got ${show(iss.input)})`,
});

export const integer = (min: number, max: number, show: Shown = json) => {
  const e = must(`an integer from ${min} to ${max}`, show);
  return z.number(e).int(e).min(min, e).max(max, e);
};

/** A finite number in [min, max], or (min, max] when `minExclusive`. */
export const number = (min: number, max: number, show: Shown = json, minExclusive = false) => {
  const e = must(`a number ${minExclusive ? `greater than ${min} and at most ${max}` : `from ${min} to ${max}`}`, show);
  return (minExclusive ? z.number(e).gt(min, e) : z.number(e).min(min, e)).max(max, e);
};

export const oneOf = <const T extends readonly [string, ...string[]]>(values: T, show: Shown = json) =>
  z.enum(values, must(`one of ${values.join(', ')}`, show));

export const boolean = (show: Shown = json) => z.boolean(must('true or false', show));

/** `null` or absent means the default (scraping and generation have always read null so). */
export const orDefault = <T extends z.ZodType>(schema: T, fallback: () => z.output<T>) =>
  schema.nullish().transform((v): z.output<T> => (v ?? fallback()) as z.output<T>);

/** `null` or absent is stored as `null` (a setting whose absence means something, e.g. "no budget"). */
export const orNull = <T extends z.ZodType>(schema: T) =>
  schema.nullish().transform((v): z.output<T> | null => (v ?? null) as z.output<T> | null);

/**
 * A section: an object with only the given fields. An unknown field is named
 * with the list of known ones, in the section's own words.
 */
export const section = <S extends z.ZodRawShape>(shape: S, unknown: (known: string) => string, show: Shown = json) =>
  z.strictObject(shape, {
    error: (iss) =>
      iss.code === 'unrecognized_keys'
        ? unknown(Object.keys(shape).join(', '))
        : `must be an object (got ${show(iss.input)})`,
  });

/** A problem as a stage reports it: `field` is dotted under the section ('' for the section itself). */
export interface ConfigProblem {
  field: string;
  problem: string;
}

/**
 * The problems of a failed parse, in order: an unknown field is named by its
 * key; of a union (generation) only the branch the input chose is reported.
 */
export function configProblems(error: z.ZodError, input: unknown): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const walk = (issues: readonly z.core.$ZodIssue[], prefix: PropertyKey[]) => {
    for (const issue of issues) {
      const path = [...prefix, ...issue.path];
      if (issue.code === 'invalid_union' && issue.errors.length) {
        const branch = unionBranch(valueAt(input, path));
        walk(issue.errors[branch] ?? issue.errors[0], path);
      } else if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) out.push({ field: [...path, key].join('.'), problem: issue.message });
      } else {
        out.push({ field: path.join('.'), problem: issue.message });
      }
    }
  };
  walk(error.issues, []);
  return out;
}

/** The generation template that skips the LLM: the job exports its cleaned, deduplicated chunks. */
export const NO_TEMPLATE = 'none';

/** Which alternative of a union the input meant; the only union is generation's, whose first is template "none". */
function unionBranch(value: unknown): number {
  return isPlainObject(value) && value['template'] === NO_TEMPLATE ? 0 : 1;
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let v = input;
  for (const key of path)
    v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
