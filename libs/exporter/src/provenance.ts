import { type PageTerms, type TdmChannel, type TdmStatement, tdmSummary } from '@datafactory/contracts';
import { withoutCredentials } from './text-safety.js';

/**
 * Where an example's text came from and on what terms: the page as fetched
 * (final URL, time, status, validators), the hash of the text extracted from
 * it, the chunk's character offsets in that text, and what the page said
 * about its use. Written into every flat record (`provenance`) and summed in
 * the card.
 */
export interface Provenance {
  url: string;
  final_url: string | null;
  fetched_at: string | null;
  http_status: number | null;
  etag: string | null;
  last_modified: string | null;
  /** SHA-256 (hex) of the page's extracted text, before PII redaction; the offsets point into it. */
  text_sha256: string | null;
  /** The chunk's own text is `text.slice(chunk_start, chunk_end)` (overlap excluded). */
  chunk_start: number | null;
  chunk_end: number | null;
  /** SPDX id of a Creative Commons license, else the license URL; null: none stated. */
  license: string | null;
  /** TDMRep over its three channels: 1 when any says 1; null when none says anything. */
  tdm_reservation: 0 | 1 | null;
  tdm_policy: string | null;
  /** Every statement as read, per channel (null for a page crawled before terms were recorded). */
  terms: ExportedTerms | null;
}

/**
 * A page's terms as exported: snake_case, and every TDMRep channel present
 * (null when it said nothing), so that each record has the same fields and
 * a reader inferring a schema (Arrow, `datasets`) never meets an empty struct.
 */
export interface ExportedTerms {
  robots_meta: string[];
  x_robots_tag: string[];
  tdm: { tdmrep_json: TdmStatement | null; http_header: TdmStatement | null; html_meta: TdmStatement | null };
  license: { url: string; id: string | null } | null;
}

const CHANNEL_FIELD: Record<TdmChannel, keyof ExportedTerms['tdm']> = {
  'tdmrep.json': 'tdmrep_json',
  header: 'http_header',
  meta: 'html_meta',
};

export function exportedTerms(t: PageTerms): ExportedTerms {
  const tdm = { tdmrep_json: null, http_header: null, html_meta: null } as ExportedTerms['tdm'];
  for (const [channel, field] of Object.entries(CHANNEL_FIELD) as [TdmChannel, keyof ExportedTerms['tdm']][]) {
    const st = t.tdm[channel];
    if (st) tdm[field] = { reservation: st.reservation, policy: st.policy ?? null };
  }
  return { robots_meta: t.robotsMeta, x_robots_tag: t.xRobotsTag, tdm, license: t.license };
}

/** The terms of an exported record back in the crawler's shape (for aiReservation and describeTerms). */
export function pageTermsOf(t: ExportedTerms): PageTerms {
  const tdm: PageTerms['tdm'] = {};
  for (const [channel, field] of Object.entries(CHANNEL_FIELD) as [TdmChannel, keyof ExportedTerms['tdm']][]) {
    const st = t.tdm[field];
    if (st) tdm[channel] = st;
  }
  return { robotsMeta: t.robots_meta, xRobotsTag: t.x_robots_tag, tdm, license: t.license };
}

/** JSON columns come back as text (SQLite) or parsed (PostgreSQL). */
export function jsonObject(value: unknown): Record<string, unknown> | null {
  if (value === null || value === undefined) return null;
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return null;
    }
  }
  return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
}

/** A stored date (Date, epoch milliseconds as number or text, ISO text) as ISO 8601; null when absent or invalid. */
export function isoDate(value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null;
  const d =
    value instanceof Date
      ? value
      : new Date(typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : (value as string | number));
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The stored `metadata.terms` of a document, when it has the expected shape. */
export function storedTerms(metadata: Record<string, unknown> | null): PageTerms | null {
  const t = metadata?.terms as Partial<PageTerms> | undefined;
  if (!t || typeof t !== 'object' || !Array.isArray(t.robotsMeta) || !Array.isArray(t.xRobotsTag)) return null;
  return {
    robotsMeta: t.robotsMeta.filter((d): d is string => typeof d === 'string'),
    xRobotsTag: t.xRobotsTag.filter((d): d is string => typeof d === 'string'),
    tdm: t.tdm && typeof t.tdm === 'object' ? t.tdm : {},
    license: t.license && typeof t.license.url === 'string' ? t.license : null,
  };
}

/** A document's provenance (and, with chunk metadata, the chunk's place in its text). */
export function provenanceOf(doc: {
  url: string;
  finalUrl: string | null;
  httpStatus: unknown;
  fetchedAt: unknown;
  metadata: unknown;
  chunkMetadata?: unknown;
}): Provenance {
  const meta = jsonObject(doc.metadata);
  const refiner = jsonObject(meta?.refiner);
  const chunk = jsonObject(doc.chunkMetadata);
  const terms = storedTerms(meta);
  const tdm = terms ? tdmSummary(terms) : null;
  const status = doc.httpStatus === null || doc.httpStatus === undefined ? null : Number(doc.httpStatus);
  return {
    url: withoutCredentials(doc.url),
    final_url: doc.finalUrl === null ? null : withoutCredentials(doc.finalUrl),
    fetched_at: isoDate(doc.fetchedAt),
    http_status: Number.isFinite(status) ? status : null,
    etag: str(meta?.etag),
    last_modified: str(meta?.lastModified),
    text_sha256: str(refiner?.textSha256),
    chunk_start: num(chunk?.start),
    chunk_end: num(chunk?.end),
    license: terms?.license ? (terms.license.id ?? terms.license.url) : null,
    tdm_reservation: tdm?.reservation ?? null,
    tdm_policy: tdm?.policy ?? null,
    terms: terms ? exportedTerms(terms) : null,
  };
}
