/** One line of the URL input that cannot be sent, with why. */
export interface InvalidUrlLine {
  readonly line: number;
  readonly text: string;
  readonly reason: string;
}

export interface ParsedUrlList {
  /** Normalised http(s) URLs in input order, without duplicates. */
  readonly urls: readonly string[];
  readonly invalid: readonly InvalidUrlLine[];
  readonly duplicates: number;
}

export const MAX_URLS_PER_JOB = 10_000;

/**
 * Reads a URL list: one per line, or a CSV whose cells may hold URLs (the first
 * cell that looks like a URL, so a header row or a title column is fine). Blank
 * lines and `#` comments are skipped. The rules match the API's: http or https,
 * no credentials; the fragment is dropped.
 */
export function parseUrlList(text: string): ParsedUrlList {
  const urls: string[] = [];
  const seen = new Set<string>();
  const invalid: InvalidUrlLine[] = [];
  let duplicates = 0;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const candidate = pickCandidate(line);
    if (candidate === null) return; // a CSV header such as "url,title"
    const problem = checkUrl(candidate);
    if (typeof problem === 'string') {
      invalid.push({ line: index + 1, text: line, reason: problem });
      return;
    }
    if (seen.has(problem.href)) {
      duplicates++;
      return;
    }
    seen.add(problem.href);
    urls.push(problem.href);
  });
  return { urls, invalid, duplicates };
}

function pickCandidate(line: string): string | null {
  if (!line.includes(',')) return line;
  const cells = line.split(',').map((cell) => cell.trim().replace(/^"(.*)"$/, '$1'));
  const url = cells.find((cell) => /^[a-z][a-z0-9+.-]*:\/\//i.test(cell));
  if (url) return url;
  return cells.every((cell) => /^[\w\s-]*$/.test(cell)) ? null : line;
}

function checkUrl(text: string): URL | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'not a URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must use http or https';
  if (url.username || url.password) return 'must not carry credentials';
  url.hash = '';
  return url;
}
