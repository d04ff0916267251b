import { isIPv6 } from 'node:net';
import { PII_PLACEHOLDER, PII_TYPES, type PiiType } from '@datafactory/contracts';

export { PII_PLACEHOLDER, PII_TYPES, type PiiType } from '@datafactory/contracts';

/** Which kinds to redact (`processing.redact_pii`). */
export type PiiSwitches = Readonly<Record<PiiType, boolean>>;

/** How many values of each kind were replaced (only kinds with at least one). */
export type PiiCounts = Partial<Record<PiiType, number>>;

export interface Redacted {
  text: string;
  counts: PiiCounts;
}

/**
 * One rule: a pattern that finds candidates, and a check that a candidate
 * really is one (a checksum, a digit count). `value` picks the part of the
 * match to replace (the token after `key=`), the whole match otherwise.
 */
interface Rule {
  type: PiiType;
  pattern: RegExp;
  accept?: (match: RegExpExecArray) => boolean;
  value?: (match: RegExpExecArray) => { start: number; end: number } | null;
}

const digits = (s: string) => s.replace(/\D/g, '');

/** Luhn checksum of a digit string. */
export function luhnValid(number: string): boolean {
  let sum = 0;
  for (let i = 0; i < number.length; i++) {
    let d = number.charCodeAt(number.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return number.length > 0 && sum % 10 === 0;
}

/** ISO 13616 check: the country and check digits moved to the end, letters as 10..35, mod 97 = 1. */
export function ibanValid(iban: string): boolean {
  const s = iban.replace(/ /g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(s)) return false;
  const moved = s.slice(4) + s.slice(0, 4);
  let rest = 0;
  for (const ch of moved) {
    const v = ch >= 'A' ? ch.charCodeAt(0) - 55 : ch.charCodeAt(0) - 48;
    rest = (v > 9 ? rest * 100 + v : rest * 10 + v) % 97;
  }
  return rest === 1;
}

/** Shannon entropy in bits per character. */
export function entropy(s: string): number {
  const freq = new Map<string, number>();
  for (const ch of s) freq.set(ch, (freq.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of freq.values()) h -= (n / s.length) * Math.log2(n / s.length);
  return h;
}

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';

/**
 * In order: secrets first (a token can hold digits that look like a phone
 * number), then emails (before IPs and phones, whose digits an address can
 * hold), IBANs, cards, IPs, phones. Placeholders have no digits or `@`, so a
 * later rule never matches an earlier one's placeholder.
 */
const RULES: Rule[] = [
  // Provider key shapes: OpenAI sk-/sk-proj-, AWS access keys, GitHub tokens, Slack tokens.
  {
    type: 'secret',
    pattern:
      /(?<![\w-])(?:sk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}|(?:AKIA|ASIA)[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,}|xox[abposr]-[A-Za-z0-9-]{10,})(?![\w-])/g,
  },
  // A long, high-entropy value after key=, token=, secret=, password=, api_key: ...
  {
    type: 'secret',
    pattern:
      /(?<![\w-])(?:api[_-]?key|access[_-]?key|secret(?:[_-]?key)?|token|access[_-]?token|auth[_-]?token|password|passwd|key)\s*[=:]\s*["']?([A-Za-z0-9_\-+/.=]{16,})/gi,
    accept: (m) => {
      const v = m[1]!;
      return /[A-Za-z]/.test(v) && /\d/.test(v) && entropy(v) >= 3.5;
    },
    value: (m) => {
      const start = m.index + m[0].length - m[1]!.length;
      return { start, end: start + m[1]!.length };
    },
  },
  {
    type: 'email',
    pattern:
      /(?<![\w.%+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,63})@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,24}(?![\w-])/g,
  },
  // Printed in groups of four or written solid; checked with mod 97.
  {
    type: 'iban',
    pattern: /(?<![\w])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![\w])/g,
    accept: (m) => ibanValid(m[0]),
  },
  // A card's layouts (4-4-4-4, 4-4-4-4-3, 4-6-5, 4-6-4, or solid), a card's first digit, 13 to 19 digits and a valid Luhn sum.
  {
    type: 'credit_card',
    pattern:
      /(?<![\w.,-])[2-6]\d{3}(?:([ -])\d{4}\1\d{4}\1\d{4}(?:\1\d{3})?|([ -])\d{6}\2\d{4,5}|\d{9,15})(?![\w]|[.,]\d|[ -]\d)/g,
    accept: (m) => {
      const d = digits(m[0]);
      return d.length >= 13 && d.length <= 19 && luhnValid(d);
    },
  },
  {
    type: 'ip',
    pattern: new RegExp(`(?<![\\w.])${OCTET}(?:\\.${OCTET}){3}(?!\\w|\\.\\d)`, 'g'),
  },
  // IPv6 candidates (hex groups and colons, maybe an IPv4 tail), confirmed by node:net.
  {
    type: 'ip',
    pattern: /(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?![\w:])/g,
    accept: (m) => isIPv6(m[0]) && /[0-9A-Fa-f]/.test(m[0]),
  },
  // International: +, country code, groups; 8 to 15 digits in all (E.164).
  {
    type: 'phone',
    pattern: /(?<![\w+])\+\d{1,3}(?:[ .-]?\(?\d{1,5}\)?){1,6}(?![\w]|[.,]\d)/g,
    accept: (m) => {
      const n = digits(m[0]).length;
      return n >= 8 && n <= 15;
    },
  },
  // North American: (555) 123-4567, 555-123-4567, 555.123.4567.
  {
    type: 'phone',
    pattern: /(?<![\w.-]|\d[ .-])(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}(?![\w]|[.,-]\d)/g,
  },
  // National with a trunk 0: 030 1234 5678, 020-7946-0958, 06/1234 5678; at least 9 digits (a date has 8).
  {
    type: 'phone',
    pattern: /(?<![\w./-]|\d[ /-])0\d{1,4}(?:[ /-]\d{2,8}){1,4}(?![\w]|[./-]\d)/g,
    accept: (m) => {
      const n = digits(m[0]).length;
      return n >= 9 && n <= 13;
    },
  },
];

/** Every kind on: the default of `processing.redact_pii`. */
export const ALL_PII: PiiSwitches = Object.fromEntries(PII_TYPES.map((t) => [t, true])) as Record<PiiType, boolean>;

/** Replaces the personal data and secrets of the kinds switched on with typed placeholders (`<EMAIL>`), counting each. */
export function redactPii(text: string, switches: PiiSwitches = ALL_PII): Redacted {
  const counts: PiiCounts = {};
  let out = text;
  for (const rule of RULES) {
    if (!switches[rule.type]) continue;
    let result = '';
    let last = 0;
    rule.pattern.lastIndex = 0;
    for (let m = rule.pattern.exec(out); m !== null; m = rule.pattern.exec(out)) {
      if (rule.accept && !rule.accept(m)) {
        // A rejected candidate may hide a valid one starting inside it (a longer digit run): retry one character on.
        rule.pattern.lastIndex = m.index + 1;
        continue;
      }
      const span = rule.value ? rule.value(m) : { start: m.index, end: m.index + m[0].length };
      if (!span || span.start < last) continue;
      result += out.slice(last, span.start) + PII_PLACEHOLDER[rule.type];
      last = span.end;
      counts[rule.type] = (counts[rule.type] ?? 0) + 1;
    }
    if (last > 0) out = result + out.slice(last);
  }
  return { text: out, counts };
}

/** Sums counts (for a document, a job). */
export function addPiiCounts(into: PiiCounts, more: PiiCounts): PiiCounts {
  for (const [t, n] of Object.entries(more) as [PiiType, number][]) into[t] = (into[t] ?? 0) + n;
  return into;
}
