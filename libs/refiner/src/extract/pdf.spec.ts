import { describe, expect, it } from 'vitest';
import { tinyDocx, tinyPdf } from '@datafactory/testing';
import { Refiner } from '../refine.js';
import { extractPdf, pagesOf } from './pdf.js';

const para = (n: number) =>
  `Paragraph ${n} explains how the ownership rules of the language keep memory safe without a collector.`;

const manual = tinyPdf(
  [
    {
      lines: [
        { text: 'Ownership Manual', size: 22 },
        { text: 'Moving values', size: 15, gapBefore: 6 },
        { text: para(1) },
        { text: 'It continues on a second line of the same para-' },
        { text: 'graph, hyphenated at the end of the line.' },
        { text: para(2), gapBefore: 14 },
        { text: '1' },
      ],
    },
    {
      lines: [{ text: 'Borrowing', size: 15 }, { text: para(3) }, { text: para(4), gapBefore: 14 }, { text: '2' }],
    },
  ],
  { title: 'The Manual' },
);

describe('extractPdf', () => {
  it('makes headings of larger lines, paragraphs of gaps, joins hyphenated words, drops page numbers', async () => {
    const out = await extractPdf(manual);
    expect(out.title).toBe('The Manual');
    expect(out.pageCount).toBe(2);
    expect(out.pagesWithText).toBe(2);
    expect(out.text.split('\n\n')).toEqual([
      '# Ownership Manual',
      '## Moving values',
      `${para(1)} It continues on a second line of the same paragraph, hyphenated at the end of the line.`,
      para(2),
      '## Borrowing',
      para(3),
      para(4),
    ]);
    const [p1, p2] = out.pageSpans;
    expect(out.text.slice(p1!.start, p1!.end)).toMatch(/^# Ownership Manual[\s\S]*Paragraph 2 .*collector\.$/);
    expect(out.text.slice(p2!.start, p2!.end)).toMatch(/^## Borrowing[\s\S]*Paragraph 4 .*collector\.$/);
    expect(pagesOf(out.pageSpans, p1!.end - 5, p2!.start + 5)).toEqual([1, 2]);
  });

  it('finds no text in a PDF of drawings only', async () => {
    const out = await extractPdf(tinyPdf([{ drawingOnly: true }, { drawingOnly: true }]));
    expect(out).toMatchObject({ pageCount: 2, pagesWithText: 0, text: '' });
  });
});

describe('Refiner on PDFs', () => {
  it('chunks a PDF in the extraction thread with the pages of every chunk, skips scans as no_text_layer', async () => {
    const refiner = new Refiner({ chunk_size: 40, chunk_overlap: 0, min_words: 5 });
    try {
      const doc = await refiner.refine({ html: manual, kind: 'pdf', url: 'http://x.test/manual.pdf' });
      expect(doc).toMatchObject({ status: 'ok', title: 'The Manual', method: 'pdf' });
      expect(doc.pdf).toEqual({ pageCount: 2, pagesWithText: 2 });
      expect(doc.chunks.length).toBeGreaterThan(2);
      expect(doc.chunks[0]!.pages).toEqual([1]);
      expect(doc.chunks.at(-1)!.pages).toEqual([2]);
      expect(doc.chunks.find((c) => c.content.includes('Paragraph 3'))!.headingPath).toEqual([
        'Ownership Manual',
        'Borrowing',
      ]);
      expect(refiner.extractionStats().workersStarted).toBe(1);

      const scan = await refiner.refine({ html: tinyPdf([{ drawingOnly: true }]), kind: 'pdf' });
      expect(scan.status).toBe('skipped');
      expect(scan.reason).toMatch(/^no_text_layer: none of the 1 page\(s\) has a text layer/);

      const broken = await refiner.refine({ html: Buffer.from('%PDF-1.4\nnot really'), kind: 'pdf' });
      expect(broken.status).toBe('skipped');
      expect(broken.reason).toMatch(/^not_pdf: /);
    } finally {
      await refiner.close();
    }
  });
});

describe('Refiner on uploaded texts and Word files', () => {
  it('reads Markdown as it is and converts .docx (headings kept) in the extraction thread', async () => {
    const refiner = new Refiner({ chunk_size: 60, chunk_overlap: 0, min_words: 5 });
    try {
      const md = await refiner.refine({
        html: `# Guide\r\n\r\n## Install\r\n\r\n${para(1)}\r\n\r\n\r\n\r\n## Use\r\n\r\n${para(2)}\r\n`,
        kind: 'text',
        url: 'upload:guide.md',
      });
      expect(md).toMatchObject({ status: 'ok', title: 'Guide', method: 'text' });
      expect(md.text).toBe(`# Guide\n\n## Install\n\n${para(1)}\n\n## Use\n\n${para(2)}`);
      expect(md.chunks.find((c) => c.content.includes('Paragraph 2'))!.headingPath[0]).toBe('Guide');
      expect(md.chunks.every((c) => c.sourceUrl === 'upload:guide.md')).toBe(true);

      const docx = await refiner.refine({
        html: tinyDocx([
          { text: 'Handbook', heading: 1 },
          { text: 'Borrowing', heading: 2 },
          { text: para(3) },
          { text: para(4) },
        ]),
        kind: 'docx',
      });
      expect(docx.status, docx.reason ?? '').toBe('ok');
      expect(docx.text).toContain('## Borrowing');
      expect(docx.text).toContain(para(4));
      expect(docx.title ?? docx.text).toContain('Handbook');

      const notDocx = await refiner.refine({ html: Buffer.from('plain words, not a zip'), kind: 'docx' });
      expect(notDocx.status).toBe('skipped');
      expect(notDocx.reason).toMatch(/^not_docx: /);
    } finally {
      await refiner.close();
    }
  });
});
