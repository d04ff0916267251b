/**
 * Integration: `datafactory extract --json` as a user runs it: the built CLI
 * (run `npm run build` first) as a process, on the extraction bench's pages
 * and on bad files. Nothing is faked.
 */
import { writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  builtApp,
  distinctArticle,
  FIXTURE_REPORT_PDF,
  FIXTURE_SCAN_PDF,
  PDF_SENTENCES,
  runNode,
  tempDir,
  tinyDocx,
} from '@datafactory/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface Line {
  file: string;
  title: string | null;
  text: string;
  language: string | null;
  words: number;
  status: string;
  reason: string | null;
}

const jsonLines = (output: string): Line[] =>
  output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Line);

describe('datafactory extract --json (built CLI)', () => {
  let dir: { path: string; remove: () => Promise<void> };
  beforeAll(async () => {
    dir = await tempDir('df-extract-');
  });
  afterAll(() => dir.remove());

  // Fixture articles written to the temp folder: a user's clone has no benchmark data beside it.
  it('prints one JSON line per page, in order, none empty', async () => {
    const files = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => {
      const file = path.join(dir.path, `doc-${n}.html`);
      writeFileSync(file, distinctArticle(n));
      return file;
    });
    const { code, output } = await runNode(builtApp('cli'), ['extract', '--json', ...files], { DATA_DIR: dir.path });
    expect(code, output).toBe(0);
    const lines = jsonLines(output);
    expect(lines.map((l) => l.file)).toEqual(files);
    for (const l of lines) {
      expect(Object.keys(l)).toEqual(expect.arrayContaining(['file', 'title', 'text', 'language', 'words']));
      expect(l.status, l.file).toBe('ok');
      expect(l.words, l.file).toBeGreaterThan(50);
      expect(l.text.length).toBeGreaterThan(200);
      expect(l.language).toMatch(/^[a-z]{2}$/);
    }
  });

  it('gives every bad file a status and a reason, and exits 1 only for unreadable ones', async () => {
    const empty = path.join(dir.path, 'empty.html');
    const binary = path.join(dir.path, 'garbage.bin');
    const good = path.join(dir.path, 'good.html');
    await writeFile(empty, '');
    await writeFile(binary, Buffer.from(Array.from({ length: 50_000 }, (_, i) => (i * 7919) % 256)));
    await writeFile(
      good,
      `<html><head><title>Notes</title></head><body><article><p>${'A plain sentence about the refiner. '.repeat(30)}</p></article></body></html>`,
    );
    const missing = path.join(dir.path, 'missing.html');
    const { code, output } = await runNode(
      builtApp('cli'),
      ['extract', '--json', '--url', 'https://example.com/notes', empty, binary, missing, good],
      { DATA_DIR: dir.path },
    );
    expect(code).toBe(1);
    const [e, b, m, g] = jsonLines(output);
    expect(e).toMatchObject({ status: 'skipped', reason: 'empty page', words: 0 });
    expect(b!.status).toBe('skipped');
    expect(b!.reason).toMatch(/not an HTML page/);
    expect(m!.status).toBe('failed');
    expect(m!.reason).toMatch(/cannot read .*ENOENT/);
    expect(g).toMatchObject({ status: 'ok', title: 'Notes', language: 'en' });
  });

  it('reads PDFs (a scan is skipped as no_text_layer) and Word files by their extension', async () => {
    const pdf = path.join(dir.path, 'report.pdf');
    const scan = path.join(dir.path, 'scan.pdf');
    const docx = path.join(dir.path, 'plan.docx');
    await writeFile(pdf, FIXTURE_REPORT_PDF);
    await writeFile(scan, FIXTURE_SCAN_PDF);
    await writeFile(
      docx,
      tinyDocx([{ text: 'Plan', heading: 1 }, ...PDF_SENTENCES.slice(0, 3).map((text) => ({ text }))]),
    );
    const { code, output } = await runNode(builtApp('cli'), ['extract', '--json', pdf, scan, docx], {
      DATA_DIR: dir.path,
    });
    expect(code, output).toBe(0);
    const [p, s, d] = jsonLines(output);
    expect(p).toMatchObject({ status: 'ok', title: 'River Delta Report' });
    expect(p!.text).toContain('# River Delta Report');
    expect(p!.text).toContain(PDF_SENTENCES[5]);
    expect(s!.status).toBe('skipped');
    expect(s!.reason).toMatch(/^no_text_layer: /);
    expect(d).toMatchObject({ status: 'ok' });
    expect(d!.text).toContain(PDF_SENTENCES[2]);
  });
});
