import { round } from '../text.js';
import type { CheckResult, InspectableExample } from '../types.js';

/*
 * The groundedness check, local level: is every sentence of the example's
 * answer supported by its source chunk? No model, no network. A sentence is
 * unsupported when
 * - it names a number the chunk does not have (digits or number words, "3" = "three"),
 * - it names a proper noun or acronym the chunk does not have,
 * - it negates what the chunk states, or states what the chunk negates
 *   (the word right after the negation is in both, the negation in one only), or
 * - less than `threshold` of its content words (stemmed, stop words left out) are in the chunk.
 * The score is the lowest sentence score (every claim must be supported):
 * the sentence's share of content words found, 0 for a sentence that fails a
 * hard rule.
 */

export interface GroundedOptions {
  /** Share of a sentence's content words found in the chunk below which it is unsupported. */
  threshold: number;
}

/** Why one sentence is unsupported. */
export interface UnsupportedSentence {
  sentence: string;
  /** `unsupported_number`, `unsupported_entity`, `negation_mismatch` or `unsupported_claim`. */
  code: string;
  /** The numbers, names or words that are not in the chunk (for a negation: the negated word). */
  missing: string[];
  coverage: number;
}

const STOP = new Set(
  (
    'a an the and or but if then else so as of at by for from in into on onto to with within without over under ' +
    'about above below after before between during through throughout up down out off again further once here there ' +
    'when where why how what which who whom whose this that these those it its itself they them their theirs themselves ' +
    'he him his himself she her hers herself we us our ours you your yours i me my mine is are was were be been being ' +
    'am do does did doing done have has had having will would shall should can could may might must also too very ' +
    'just only even still yet already more most less least many much some any all each every both either other others ' +
    'such same own than until while because since although though whether not no nor never none cannot ' +
    'one ones thing things way ways lot lots well really quite rather around near per via upon among amongst ' +
    // Words an answer uses to refer to its source, not claims about the world.
    'text texts article passage source document page says say said states stated stating mentions mentioned ' +
    'according explains explained describes described notes noted writes written author reports reported ' +
    'answer question yes ' +
    // Reasoning connectives: how steps are joined, not claims of their own.
    'therefore thus hence together taken follows follow conclude conclusion combining combined holds hold true ' +
    'means implies consequently overall finally next step steps'
  ).split(' '),
);

/** Words a negation passes over to reach the word it denies ("does not need to be folded" denies "folded"). */
const SCOPE_SKIP = new Set([
  'need',
  'needs',
  'needed',
  'seem',
  'seems',
  'appear',
  'appears',
  'able',
  'necessarily',
  'always',
  'usually',
  'really',
  'actually',
  'likely',
  'want',
  'wants',
]);

const NEGATIONS = new Set(['not', 'no', 'never', 'none', 'nor', 'neither', 'cannot', 'nothing', 'nobody', 'nowhere']);

/** Number words and their values (not "one", "first", "second": mostly not numbers in prose). */
const NUMBER_WORDS: Record<string, number> = {
  zero: 0,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
  hundred: 100,
  third: 3,
  fourth: 4,
  fifth: 5,
  sixth: 6,
  seventh: 7,
  eighth: 8,
  ninth: 9,
  tenth: 10,
  twice: 2,
  half: 0.5,
  dozen: 12,
};

/** Words and numbers: letters, digits (H3N2, 3D), and "1,200" or "3.5" as one number. */
const TOKEN = /[\p{L}\d](?:[\p{L}\p{M}\d'’]|[.,](?=\d))*/gu;
const isNumber = (raw: string) => /^\d[\d,]*(?:\.\d+)?$/.test(raw);

interface Token {
  raw: string;
  lower: string;
  /** Position in its sentence (0 = first word). */
  index: number;
}

function tokens(sentence: string): Token[] {
  const out: Token[] = [];
  for (const m of sentence.matchAll(TOKEN)) {
    const raw = m[0].replace(/['’]s$/u, '').replace(/['’]$/u, '');
    if (raw) out.push({ raw, lower: raw.toLowerCase(), index: out.length });
  }
  return out;
}

/** "1,200" → "1200", "3.50" → "3.5"; number words → their value; null for any other token. */
function numberValue(t: Token): string | null {
  if (isNumber(t.raw)) {
    const n = Number(t.raw.replace(/,/g, ''));
    return Number.isFinite(n) ? String(n) : null;
  }
  const w = NUMBER_WORDS[t.lower];
  return w === undefined ? null : String(w);
}

/** A light suffix-stripping stemmer: enough that "built"/"builds"/"building" and "closure"/"closed" meet. */
export function stem(word: string): string {
  const known = stems.get(word);
  if (known !== undefined) return known;
  const out = stemOf(word);
  if (stems.size >= 50_000) stems.clear();
  stems.set(word, out);
  return out;
}

/** Stems already computed, by word (bounded). */
const stems = new Map<string, string>();

function stemOf(word: string): string {
  let w = word.toLowerCase().replace(/['’]/g, '');
  if (w.length <= 3) return w;
  const rules: [RegExp, string][] = [
    [/ies$/, 'y'],
    [/ied$/, 'y'],
    [/(ss)es$/, '$1'],
    [/([^s])s$/, '$1'],
    [/ments?$/, ''],
    [/ness$/, ''],
    [/ities$|ity$/, ''],
    [/ations?$/, 'ate'],
    [/ingly$|edly$/, ''],
    [/ing$/, ''],
    [/ed$/, ''],
    [/ly$/, ''],
    [/ers?$/, ''],
    [/ure$/, ''],
    [/ions?$/, ''],
    [/ive$/, ''],
    [/al$/, ''],
    [/e$/, ''],
  ];
  for (const [re, to] of rules) {
    if (re.test(w)) {
      const next = w.replace(re, to);
      if (next.length >= 3) w = next;
    }
  }
  // "stopped" → "stopp" → "stop"
  return w.replace(/([^aeiouls])\1$/, '$1');
}

/** Two stems meet when equal, or when one is a prefix of the other and the shorter has at least 5 letters. */
function stemsMeet(a: string, b: string): boolean {
  if (a === b) return true;
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  return short.length >= 5 && long.startsWith(short);
}

/** The source chunk, indexed once per example. */
class Source {
  readonly numbers = new Set<string>();
  readonly words = new Set<string>();
  readonly stems: string[] = [];
  private readonly stemSet = new Set<string>();
  readonly sentences: { stems: string[]; negated: Set<string> }[];

  constructor(text: string) {
    this.sentences = splitSentences(text).map((s) => {
      const toks = tokens(s);
      const stems: string[] = [];
      for (const t of toks) {
        const n = numberValue(t);
        if (n !== null) this.numbers.add(n);
        this.words.add(t.lower);
        if (!isNumber(t.raw)) {
          const st = stem(t.raw);
          stems.push(st);
          if (!this.stemSet.has(st)) {
            this.stemSet.add(st);
            this.stems.push(st);
          }
        }
      }
      return { stems, negated: negatedStems(toks) };
    });
    // "1.5 million" and "1,500,000" name the same number.
    for (const n of scaledNumbers(text)) this.numbers.add(n);
  }

  hasStem(st: string): boolean {
    if (this.stemSet.has(st)) return true;
    return this.stems.some((s) => stemsMeet(s, st));
  }
}

const SCALES: Record<string, number> = { thousand: 1e3, million: 1e6, billion: 1e9 };

/** The values of "1.5 million", "2 billion"... in a text, as plain numbers. */
function scaledNumbers(text: string): string[] {
  return [...text.matchAll(/(\d[\d,]*(?:\.\d+)?)\s*(thousand|million|billion)\b/gi)].map((m) =>
    String(Math.round(Number(m[1]!.replace(/,/g, '')) * SCALES[m[2]!.toLowerCase()]!)),
  );
}

/** Indexed chunks, most recent last: the examples of a chunk are checked one after another. */
const sources = new Map<string, Source>();

function sourceOf(text: string): Source {
  let source = sources.get(text);
  if (source) {
    sources.delete(text);
  } else {
    source = new Source(text);
    if (sources.size >= 32) sources.delete(sources.keys().next().value!);
  }
  sources.set(text, source);
  return source;
}

/** Stems of the words a negation applies to: the first content word within three words after the cue. */
function negatedStems(toks: Token[]): Set<string> {
  const out = new Set<string>();
  toks.forEach((t, i) => {
    const cue = NEGATIONS.has(t.lower) || /n['’]t$/.test(t.lower);
    if (!cue) return;
    for (const next of toks.slice(i + 1, i + 5)) {
      if (STOP.has(next.lower) || NEGATIONS.has(next.lower) || SCOPE_SKIP.has(next.lower) || isNumber(next.raw))
        continue;
      out.add(stem(next.raw));
      break;
    }
  });
  return out;
}

/** Sentences of a text: split after . ! ? (not inside numbers like 3.5) and at line breaks. */
export function splitSentences(text: string): string[] {
  return text
    .split(/(?<=[.!?…])["”')\]]?\s+(?=["“([]?[\p{Lu}\d])|\n+/u)
    .map((s) => s.trim())
    .filter((s) => /\p{L}|\d/u.test(s));
}

/**
 * The text an example's claims are in, by template (the parsed fields when
 * stored): qa and rag answers, the summary, the assistant turns of a
 * conversation, the chosen answer of a preference pair, the reasoning steps
 * and final answer; null when the template makes no claims to check
 * (classification labels).
 */
export function groundedAnswer(example: InspectableExample): string | null {
  const f = example.fields ?? {};
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  switch (example.templateType) {
    case 'classification':
      return null;
    case 'qa':
      return str(f.answer) ?? example.outputText;
    case 'summarization':
      return str(f.summary) ?? example.outputText;
    case 'instruction':
      return str(f.output) ?? example.outputText;
    case 'preference':
      return str(f.chosen) ?? example.outputText;
    case 'conversation': {
      const turns = Array.isArray(f.turns) ? (f.turns as { role?: unknown; content?: unknown }[]) : null;
      if (!turns) return example.outputText;
      return turns
        .filter((t) => t.role === 'assistant' && typeof t.content === 'string')
        .map((t) => String(t.content))
        .join('\n');
    }
    case 'rag': {
      const answer = str(f.answer) ?? example.outputText;
      return answer.replace(/##(begin|end)_quote##/g, ' ').replace(/<ANSWER>:/g, '\n');
    }
    case 'reasoning': {
      const steps = Array.isArray(f.steps) ? f.steps.filter((s): s is string => typeof s === 'string') : [];
      return [...steps, str(f.answer) ?? example.outputText].join('\n');
    }
    default:
      return example.outputText;
  }
}

/** The sentences of `answer` that `source` does not support, and the lowest sentence score. */
export function groundedness(
  answer: string,
  sourceText: string,
  options: GroundedOptions,
): { score: number | null; coverage: number | null; sentences: number; unsupported: UnsupportedSentence[] } {
  const source = sourceOf(sourceText);
  const unsupported: UnsupportedSentence[] = [];
  let lowest: number | null = null;
  let found = 0;
  let total = 0;
  let checked = 0;
  for (const raw of splitSentences(answer)) {
    // List markers ("1.", "Step 2:") are numbering, not claims.
    // An answer's leading "Yes," / "No," answers the question; the claim follows.
    const sentence = raw
      .replace(/^(?:step\s+)?\d+[.):]\s+/i, '')
      .replace(/^[-*•]\s+/, '')
      .replace(/^(?:yes|no)\b[,.:;!]?\s*/i, '');
    const toks = tokens(sentence);
    const scaled = new Set(scaledNumbers(sentence).filter((n) => source.numbers.has(n)));
    const scaledFound = (i: number) => {
      const next = toks[i + 1]?.lower;
      return next !== undefined && next in SCALES && scaled.size > 0;
    };
    const numbers = toks.map(numberValue).filter((n): n is string => n !== null);
    const missingNumbers = [
      ...new Set(
        toks
          .filter((t, i) => {
            const n = numberValue(t);
            // A number word the chunk writes in digits, or the other way round, is the same number.
            return n !== null && !source.numbers.has(n) && !source.words.has(t.lower) && !scaledFound(i);
          })
          .map((t) => t.raw),
      ),
    ];
    // Proper nouns (capitalised past the first word), acronyms and codes (H3N2).
    const names = toks.filter(
      (t) =>
        !isNumber(t.raw) &&
        t.raw.length > 1 &&
        ((t.index > 0 && /^\p{Lu}/u.test(t.raw)) || /^[\p{Lu}\d]+$/u.test(t.raw) || /\d/.test(t.raw)) &&
        !STOP.has(t.lower) &&
        numberValue(t) === null,
    );
    const missingNames = [
      ...new Set(names.filter((t) => !source.words.has(t.lower) && !source.hasStem(stem(t.raw))).map((t) => t.raw)),
    ];
    const content = toks.filter((t) => !isNumber(t.raw) && !STOP.has(t.lower) && numberValue(t) === null);
    const stems = [...new Set(content.map((t) => stem(t.raw)))];
    const present = stems.filter((s) => source.hasStem(s));
    const units = stems.length + numbers.length;
    if (units === 0) continue;
    checked++;
    const coverage = stems.length ? present.length / stems.length : 1;
    found += present.length + (numbers.length - missingNumbers.length);
    total += units;

    const negation = negationMismatch(toks, stems, source);
    let problem: UnsupportedSentence | null = null;
    if (missingNumbers.length) {
      problem = { sentence, code: 'unsupported_number', missing: missingNumbers, coverage };
    } else if (missingNames.length) {
      problem = { sentence, code: 'unsupported_entity', missing: missingNames, coverage };
    } else if (negation) {
      problem = { sentence, code: 'negation_mismatch', missing: [negation], coverage };
    } else if (coverage < options.threshold) {
      problem = {
        sentence,
        code: 'unsupported_claim',
        missing: content.filter((t) => !source.hasStem(stem(t.raw))).map((t) => t.raw),
        coverage,
      };
    }
    if (problem) unsupported.push({ ...problem, coverage: round(coverage) });
    const score = problem && problem.code !== 'unsupported_claim' ? 0 : coverage;
    lowest = lowest === null ? score : Math.min(lowest, score);
  }
  return {
    score: lowest === null ? null : round(lowest),
    coverage: total ? round(found / total) : null,
    sentences: checked,
    unsupported,
  };
}

/**
 * The negated word when the sentence and the chunk sentence closest to it
 * disagree on a negation: the sentence negates a word the chunk states
 * plainly, or states plainly a word the chunk negates. Null when they agree.
 */
function negationMismatch(toks: Token[], stems: string[], source: Source): string | null {
  const own = negatedStems(toks);
  // The chunk sentence sharing most content words with this one.
  let best: Source['sentences'][number] | null = null;
  let bestShared = 0;
  for (const s of source.sentences) {
    const shared = stems.filter((st) => s.stems.some((c) => stemsMeet(c, st))).length;
    if (shared > bestShared) {
      best = s;
      bestShared = shared;
    }
  }
  if (!best || bestShared < Math.max(2, Math.ceil(stems.length / 2))) return null;
  const inBest = (st: string) => best.stems.some((c) => stemsMeet(c, st));
  const negatedInBest = (st: string) => [...best.negated].some((c) => stemsMeet(c, st));
  for (const st of own) if (inBest(st) && !negatedInBest(st)) return st;
  for (const st of best.negated) {
    if (stems.some((s) => stemsMeet(s, st)) && ![...own].some((o) => stemsMeet(o, st))) return st;
  }
  return null;
}

const REASON: Record<string, string> = {
  unsupported_number: 'a number not in the source',
  unsupported_entity: 'a name not in the source',
  negation_mismatch: 'a negation the source does not have (or the source negates it)',
  unsupported_claim: 'too few of its words are in the source',
};

/** The local groundedness check of one example. */
export function checkGrounded(example: InspectableExample, options: GroundedOptions): CheckResult {
  const answer = groundedAnswer(example);
  if (answer === null) {
    return {
      status: 'skipped',
      score: null,
      reason: `a ${example.templateType} example makes no claims to check`,
      codes: [],
    };
  }
  if (!example.chunkText?.trim()) {
    return {
      status: 'unavailable',
      score: null,
      reason: 'the source chunk is not available',
      codes: ['unavailable'],
    };
  }
  const g = groundedness(answer, example.chunkText, options);
  const data = {
    level: 'local',
    threshold: options.threshold,
    coverage: g.coverage,
    sentences: g.sentences,
    unsupported: g.unsupported.slice(0, 5),
  };
  if (g.score === null) {
    return { status: 'skipped', score: null, reason: 'the answer has no content words to check', codes: [], data };
  }
  const first = g.unsupported[0];
  if (!first) {
    return {
      status: 'pass',
      score: g.score,
      reason: `every sentence (${g.sentences}) is supported by the source (${Math.round((g.coverage ?? 1) * 100)}% of its content words and numbers found)`,
      codes: [],
      data,
    };
  }
  return {
    status: 'fail',
    score: g.score,
    reason:
      `unsupported: ${JSON.stringify(first.sentence.slice(0, 300))}: ${REASON[first.code]}` +
      (first.missing.length ? ` (${first.missing.slice(0, 5).join(', ')})` : '') +
      (g.unsupported.length > 1 ? `; ${g.unsupported.length - 1} more unsupported sentence(s)` : ''),
    codes: ['unsupported', ...new Set(g.unsupported.map((u) => u.code))],
    data,
  };
}
