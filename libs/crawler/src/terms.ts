import { creativeCommonsId, type PageTerms, type TdmStatement } from '@datafactory/contracts';
import { classifyNetworkError, FailureCode, FetchError } from './errors.js';
import type { Fetched } from './fetch-following.js';
import type { PageInfo } from './page-info.js';

/** Where TDMRep puts an origin's declarations (W3C TDMRep, "TDM declaration in a JSON file"). */
export const TDMREP_PATH = '/.well-known/tdmrep.json';
const TDMREP_MAX_BYTES = 512 * 1024;
const MAX_RULES = 1000;

/** One rule of a tdmrep.json: a path pattern (`*` any characters, `$` at the end anchors) and its statement. */
export interface TdmRepRule extends TdmStatement {
  location: string;
}

/** An origin's tdmrep.json as kept in a store shared by workers: its rules, or why there are none. */
export type StoredTdmRep = { kind: 'rules'; rules: TdmRepRule[] } | { kind: 'none'; why: string };

/** Where a crawl shared by workers keeps each origin's tdmrep.json, so that it is fetched once per job. */
export interface TdmRepStore {
  load(origin: string, fetch: () => Promise<StoredTdmRep>): Promise<StoredTdmRep>;
}

/** The rules of a tdmrep.json body; invalid entries are left out, a body that is not a JSON array has none. */
export function parseTdmRep(body: string): StoredTdmRep {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.replace(/^\uFEFF/, ''));
  } catch {
    return { kind: 'none', why: 'tdmrep.json is not JSON' };
  }
  if (!Array.isArray(parsed)) return { kind: 'none', why: 'tdmrep.json is not a JSON array' };
  const rules: TdmRepRule[] = [];
  for (const entry of parsed.slice(0, MAX_RULES)) {
    if (!entry || typeof entry !== 'object') continue;
    const e = entry as Record<string, unknown>;
    const reservation = Number(e['tdm-reservation']);
    if (typeof e.location !== 'string' || (reservation !== 0 && reservation !== 1)) continue;
    const policy = typeof e['tdm-policy'] === 'string' && e['tdm-policy'].trim() ? e['tdm-policy'].trim() : null;
    rules.push({ location: e.location.trim(), reservation, policy });
  }
  return { kind: 'rules', rules };
}

/** A location pattern as a regular expression over the path and query (robots.txt syntax). */
function locationPattern(location: string): RegExp {
  const anchored = location.endsWith('$');
  const body = (anchored ? location.slice(0, -1) : location).replace(/^(?!\/|\*)/, '/');
  const source = body
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}${anchored ? '$' : ''}`);
}

/** The statement of the first rule whose location matches `url`'s path (and query); undefined: none does. */
export function tdmRepFor(stored: StoredTdmRep, url: string): TdmStatement | undefined {
  if (stored.kind !== 'rules') return undefined;
  const u = new URL(url);
  const target = `${u.pathname}${u.search}`;
  let decoded = target;
  try {
    decoded = decodeURI(target);
  } catch {
    // keep it encoded
  }
  for (const rule of stored.rules) {
    const re = locationPattern(rule.location);
    if (re.test(target) || re.test(decoded)) return { reservation: rule.reservation, policy: rule.policy };
  }
  return undefined;
}

/** GETs and reads an origin's tdmrep.json: 2xx is parsed, anything else (404, errors) means no declarations. */
export async function fetchTdmRep(
  origin: string,
  fetch: (url: string, maxBytes: number) => Promise<Fetched>,
): Promise<StoredTdmRep> {
  let fetched: Fetched;
  try {
    fetched = await fetch(`${origin}${TDMREP_PATH}`, TDMREP_MAX_BYTES);
  } catch (e) {
    // Abandoned (an aborted wait for the host, a cancelled request) is no outcome: nothing is kept.
    if ((e as { name?: unknown } | null)?.name === 'AbortError') throw e;
    const err = e instanceof FetchError ? e : classifyNetworkError(e, new URL(origin).host);
    if (err.code === FailureCode.Cancelled) throw err;
    return { kind: 'none', why: `tdmrep.json could not be read (${err.message})` };
  }
  const status = fetched.response.status;
  if (status < 200 || status >= 300) return { kind: 'none', why: `tdmrep.json answered HTTP ${status}` };
  return parseTdmRep(fetched.response.body.toString('utf8'));
}

const VALUE_DIRECTIVES = new Set(['unavailable_after', 'max-snippet', 'max-image-preview', 'max-video-preview']);

/**
 * The directives of an `X-Robots-Tag` value (several headers arrive joined by
 * commas) that apply to every bot or to `token`: `googlebot: noindex` applies
 * to googlebot only, `noai, noimageai` to all.
 */
export function xRobotsDirectives(header: string | undefined, token: string): string[] {
  if (!header) return [];
  const out: string[] = [];
  let scope: string | undefined;
  for (const raw of header.split(',')) {
    let part = raw.trim().toLowerCase();
    const m = /^([a-z0-9_.-]+)\s*:\s*(.*)$/.exec(part);
    if (m && !VALUE_DIRECTIVES.has(m[1]!)) {
      scope = m[1];
      part = m[2]!.trim();
    }
    if (!part) continue;
    if (scope === undefined || scope === token.toLowerCase()) out.push(part);
  }
  return [...new Set(out)];
}

function tdmHeader(headers: Record<string, string>): TdmStatement | undefined {
  const v = headers['tdm-reservation']?.trim();
  if (v !== '1' && v !== '0') return undefined;
  return { reservation: v === '1' ? 1 : 0, policy: headers['tdm-policy']?.trim() || null };
}

/** A page's terms from its tdmrep.json rule, its response headers and what the page itself says. */
export function pageTerms(args: {
  fileRule: TdmStatement | undefined;
  headers: Record<string, string>;
  info: Pick<PageInfo, 'metaRobots' | 'tdmReservation' | 'tdmPolicy' | 'licenseUrl'> | undefined;
  token: string;
}): PageTerms {
  const { fileRule, headers, info } = args;
  const tdm: PageTerms['tdm'] = {};
  if (fileRule) tdm['tdmrep.json'] = fileRule;
  const header = tdmHeader(headers);
  if (header) tdm.header = header;
  if (info?.tdmReservation !== undefined)
    tdm.meta = { reservation: info.tdmReservation, policy: info.tdmPolicy ?? null };
  const robotsMeta = [
    ...new Set(
      (info?.metaRobots ?? '')
        .split(',')
        .map((d) => d.trim())
        .filter(Boolean),
    ),
  ];
  return {
    robotsMeta,
    xRobotsTag: xRobotsDirectives(headers['x-robots-tag'], args.token),
    tdm,
    license: info?.licenseUrl ? { url: info.licenseUrl, id: creativeCommonsId(info.licenseUrl) } : null,
  };
}
