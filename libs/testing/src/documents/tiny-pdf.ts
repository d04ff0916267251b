/**
 * Writes small, valid PDF files for tests: pages of text lines in the
 * standard Helvetica font (a real text layer, with the font size of each
 * line, so headings can be told from paragraphs), or pages with only a
 * drawing and no text at all (what a scanned document looks like to a text
 * extractor). The cross-reference table is computed, so the files open in
 * any reader.
 */
export interface TinyPdfLine {
  text: string;
  /** Font size in points (default 11). */
  size?: number;
  /** Extra space above the line, in points (a paragraph break). */
  gapBefore?: number;
}

export interface TinyPdfPage {
  lines?: TinyPdfLine[];
  /** No text: a filled rectangle only (a page scanned to an image has no text layer either). */
  drawingOnly?: boolean;
}

function escapePdfString(s: string): string {
  return s.replace(/[\\()]/g, (c) => `\\${c}`).replace(/[^\x20-\x7e]/g, '?');
}

function pageStream(page: TinyPdfPage): string {
  if (page.drawingOnly || !page.lines?.length) return '0.5 g 72 72 451 698 re f';
  const ops: string[] = [];
  let y = 760;
  for (const line of page.lines) {
    const size = line.size ?? 11;
    y -= (line.gapBefore ?? 0) + size * 1.3;
    ops.push(`BT /F1 ${size} Tf 72 ${y.toFixed(1)} Td (${escapePdfString(line.text)}) Tj ET`);
  }
  return ops.join('\n');
}

/** A PDF of `pages` as bytes. */
export function tinyPdf(pages: TinyPdfPage[], info: { title?: string } = {}): Buffer {
  const objects: string[] = [];
  const pageCount = pages.length;
  // 1: catalog, 2: pages, 3: font, 4: info, then per page: page object, content stream.
  const kids = pages.map((_, i) => `${5 + i * 2} 0 R`).join(' ');
  objects.push('<< /Type /Catalog /Pages 2 0 R >>');
  objects.push(`<< /Type /Pages /Kids [${kids}] /Count ${pageCount} >>`);
  objects.push('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
  objects.push(`<< /Producer (datafactory tests)${info.title ? ` /Title (${escapePdfString(info.title)})` : ''} >>`);
  for (const [i, page] of pages.entries()) {
    const stream = pageStream(page);
    objects.push(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents ${6 + i * 2} 0 R >>`,
    );
    objects.push(`<< /Length ${Buffer.byteLength(stream, 'latin1')} >>\nstream\n${stream}\nendstream`);
  }
  let out = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  for (const [i, body] of objects.entries()) {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  }
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info 4 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}
