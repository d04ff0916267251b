/**
 * What a page says about its own use, as the crawler read it (stored in
 * `raw_documents.metadata.terms`, exported with every example, summed in the
 * dataset card). Plain data shared by the crawler, which reads it, and the
 * exporter, which writes it out.
 */

/** The three channels of the W3C TDM Reservation Protocol (TDMRep). */
export type TdmChannel = 'tdmrep.json' | 'header' | 'meta';

/** One TDMRep statement: `tdm-reservation` (1 reserved, 0 not) and the optional `tdm-policy` URL. */
export interface TdmStatement {
  reservation: 0 | 1;
  policy: string | null;
}

export interface PageTerms {
  /** `<meta name="robots">` directives, lower case, in order (`noindex`, `noai`, `noimageai`...). */
  robotsMeta: string[];
  /** `X-Robots-Tag` directives that apply to every bot or to ours, lower case. */
  xRobotsTag: string[];
  /** TDMRep per channel; a channel that said nothing is absent. */
  tdm: Partial<Record<TdmChannel, TdmStatement>>;
  /** The page's `rel="license"` link, and its SPDX-style id when it is a Creative Commons URL. */
  license: { url: string; id: string | null } | null;
}

/** The page reserves its text for text-and-data mining / AI: why, or null. */
export interface AiReservation {
  /** `tdm-reservation: 1 (tdmrep.json)`, `noai (robots meta)`... */
  reason: string;
}

export const TDM_CHANNELS: readonly TdmChannel[] = ['tdmrep.json', 'header', 'meta'];

/**
 * Whether a page reserves its rights against text-and-data mining:
 * `tdm-reservation: 1` in any TDMRep channel, or the `noai` directive in the
 * robots meta or `X-Robots-Tag` (not standardised, but an unambiguous
 * statement by the page that it is not to be used for AI; `noimageai` is about
 * images, which we never use, and `noindex` about search indexes: both are
 * recorded, neither reserves the text).
 */
export function aiReservation(terms: PageTerms): AiReservation | null {
  for (const channel of TDM_CHANNELS) {
    if (terms.tdm[channel]?.reservation === 1) return { reason: `tdm-reservation: 1 (${channel})` };
  }
  if (terms.robotsMeta.includes('noai')) return { reason: 'noai (robots meta)' };
  if (terms.xRobotsTag.includes('noai')) return { reason: 'noai (X-Robots-Tag)' };
  return null;
}

/** The TDMRep value that applies: reserved when any channel says 1, else 0 when one says 0, else null. */
export function tdmSummary(terms: Pick<PageTerms, 'tdm'>): TdmStatement | null {
  const said = TDM_CHANNELS.map((c) => terms.tdm[c]).filter((s): s is TdmStatement => s !== undefined);
  if (!said.length) return null;
  const reserved = said.find((s) => s.reservation === 1);
  const policy = said.find((s) => s.policy)?.policy ?? null;
  return { reservation: reserved ? 1 : 0, policy };
}

const CC_LICENSES = new Set(['by', 'by-sa', 'by-nd', 'by-nc', 'by-nc-sa', 'by-nc-nd']);

/**
 * The SPDX id of a Creative Commons license or dedication URL
 * (`https://creativecommons.org/licenses/by-sa/4.0/deed.de` → `CC-BY-SA-4.0`,
 * `.../publicdomain/zero/1.0/` → `CC0-1.0`, `.../publicdomain/mark/1.0/` →
 * `PDM-1.0`); null for anything else. Ported licenses keep their
 * jurisdiction (`by/3.0/de` → `CC-BY-3.0-DE`).
 */
export function creativeCommonsId(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url, 'https://creativecommons.org');
  } catch {
    return null;
  }
  if (!/^(www\.)?creativecommons\.org$/i.test(u.hostname)) return null;
  const parts = u.pathname.toLowerCase().split('/').filter(Boolean);
  if (parts[0] === 'licenses' && CC_LICENSES.has(parts[1] ?? '') && /^\d\.\d$/.test(parts[2] ?? '')) {
    const port = parts[3] && /^[a-z]{2}$/.test(parts[3]) ? `-${parts[3].toUpperCase()}` : '';
    return `CC-${parts[1]!.toUpperCase()}-${parts[2]}${port}`;
  }
  if (parts[0] === 'publicdomain' && parts[1] === 'zero' && /^\d\.\d$/.test(parts[2] ?? '')) return `CC0-${parts[2]}`;
  if (parts[0] === 'publicdomain' && parts[1] === 'mark' && /^\d\.\d$/.test(parts[2] ?? '')) return `PDM-${parts[2]}`;
  return null;
}

/** What a page's terms come to in one line: `tdm reserved (tdmrep.json); noai; license CC-BY-4.0`, or `none stated`. */
export function describeTerms(terms: PageTerms | null | undefined): string {
  if (!terms) return 'unknown';
  const parts: string[] = [];
  const tdm = tdmSummary(terms);
  if (tdm) {
    const channels = TDM_CHANNELS.filter((c) => terms.tdm[c]?.reservation === tdm.reservation);
    parts.push(`tdm ${tdm.reservation ? 'reserved' : 'not reserved'} (${channels.join(', ')})`);
    if (tdm.policy) parts.push(`tdm-policy ${tdm.policy}`);
  }
  const robots = [...new Set([...terms.robotsMeta, ...terms.xRobotsTag])].filter((d) =>
    ['noai', 'noimageai', 'noindex', 'none'].includes(d),
  );
  if (robots.length) parts.push(robots.join(', '));
  if (terms.license) parts.push(`license ${terms.license.id ?? terms.license.url}`);
  return parts.length ? parts.join('; ') : 'none stated';
}
