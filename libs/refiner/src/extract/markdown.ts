/**
 * Serialises a DOM subtree as Markdown-style text: headings (`#`), lists
 * (`-`, `1.`), block quotes (`>`), tables (`| a | b |`) and fenced code
 * blocks survive, inline markup becomes plain text. The walk is iterative so
 * that a page nested 10,000 levels deep cannot overflow the stack.
 */

/** The subset of a DOM node this serialiser reads (linkedom and jsdom both provide it). */
export interface DomNode {
  nodeType: number;
  nodeName: string;
  textContent: string | null;
  childNodes: ArrayLike<DomNode>;
  getAttribute?(name: string): string | null;
}

const TEXT_NODE = 3;
const ELEMENT_NODE = 1;

const BLOCK = new Set([
  'ADDRESS',
  'ARTICLE',
  'ASIDE',
  'BLOCKQUOTE',
  'BODY',
  'CAPTION',
  'CENTER',
  'DD',
  'DETAILS',
  'DIALOG',
  'DIV',
  'DL',
  'DT',
  'FIELDSET',
  'FIGCAPTION',
  'FIGURE',
  'FOOTER',
  'FORM',
  'H1',
  'H2',
  'H3',
  'H4',
  'H5',
  'H6',
  'HEADER',
  'HGROUP',
  'HR',
  'LI',
  'MAIN',
  'NAV',
  'OL',
  'P',
  'PRE',
  'SECTION',
  'SUMMARY',
  'TABLE',
  'TBODY',
  'TD',
  'TFOOT',
  'TH',
  'THEAD',
  'TR',
  'UL',
]);
const SKIP = new Set([
  'SCRIPT',
  'STYLE',
  'NOSCRIPT',
  'TEMPLATE',
  'SVG',
  'CANVAS',
  'IFRAME',
  'OBJECT',
  'EMBED',
  'BUTTON',
  'INPUT',
  'SELECT',
  'TEXTAREA',
  'HEAD',
  'META',
  'LINK',
  'IMG',
  'PICTURE',
  'VIDEO',
  'AUDIO',
  'SOURCE',
  'MATH',
]);

interface Frame {
  node: DomNode;
  /** Index of the next child to visit. */
  next: number;
  /** The node's children, read once: linkedom builds a new array on every read of `childNodes`. */
  children: ArrayLike<DomNode> | null;
}

/** Collapses runs of whitespace (HTML rendering rules) outside <pre>. */
function collapse(text: string): string {
  return text.replace(/[\s\u00a0]+/g, ' ');
}

export interface MarkdownOptions {
  /** Keep figure captions (on by default). */
  captions?: boolean;
  /** Elements for which this returns true are left out with everything inside them. */
  skip?: (node: DomNode) => boolean;
}

export function toMarkdown(root: DomNode, options: MarkdownOptions = {}): string {
  const out = new MarkdownWriter();
  const stack: Frame[] = [{ node: root, next: 0, children: null }];
  // Per open element: how to close it.
  const closers: Array<(() => void) | null> = [null];
  while (stack.length) {
    const frame = stack[stack.length - 1]!;
    const { node } = frame;
    if (frame.next === 0 && node !== root) {
      // Entering `node` for the first time.
      if (node.nodeType === TEXT_NODE) {
        out.text(node.textContent ?? '');
        stack.pop();
        closers.pop();
        continue;
      }
      if (node.nodeType !== ELEMENT_NODE) {
        stack.pop();
        closers.pop();
        continue;
      }
      const name = node.nodeName.toUpperCase();
      if (SKIP.has(name) || (!options.captions && name === 'FIGCAPTION') || options.skip?.(node)) {
        stack.pop();
        closers.pop();
        continue;
      }
      const handled = open(name, node, out);
      if (handled === 'done') {
        stack.pop();
        closers.pop();
        continue;
      }
      closers[closers.length - 1] = handled;
    }
    const children = (frame.children ??= node.childNodes);
    if (frame.next < children.length) {
      const child = children[frame.next++]!;
      stack.push({ node: child, next: 0, children: null });
      closers.push(null);
      continue;
    }
    stack.pop();
    const close = closers.pop();
    if (close) close();
  }
  return out.result();
}

/** Opens an element; returns how to close it, or 'done' when the element was written whole. */
function open(name: string, node: DomNode, out: MarkdownWriter): (() => void) | null | 'done' {
  switch (name) {
    case 'BR':
      out.lineBreak();
      return 'done';
    case 'HR':
      out.block();
      return 'done';
    case 'PRE': {
      const code = (node.textContent ?? '').replace(/\s+$/, '').replace(/^\n+/, '');
      if (code.trim()) out.raw('```\n' + code + '\n```');
      return 'done';
    }
    case 'H1':
    case 'H2':
    case 'H3':
    case 'H4':
    case 'H5':
    case 'H6':
      out.block();
      out.prefix('#'.repeat(Number(name[1])) + ' ');
      return () => out.block();
    case 'LI': {
      out.line();
      out.pushIndent();
      out.prefix(out.listMarker());
      return () => {
        out.popIndent();
        out.line();
      };
    }
    case 'UL':
    case 'OL':
      out.block();
      out.pushList(name === 'OL');
      return () => {
        out.popList();
        out.block();
      };
    case 'BLOCKQUOTE':
      out.block();
      out.pushQuote();
      return () => {
        out.popQuote();
        out.block();
      };
    case 'TR':
      out.line();
      out.startRow();
      return () => {
        out.endRow();
        out.line();
      };
    case 'TD':
    case 'TH':
      out.startCell();
      return () => out.endCell();
    case 'TABLE':
      out.block();
      return () => out.block();
    case 'DT':
    case 'DD':
      out.line();
      return () => out.line();
    default:
      if (BLOCK.has(name)) {
        if (out.inCell()) {
          out.text(' ');
          return () => out.text(' ');
        }
        out.block();
        return () => out.block();
      }
      return null;
  }
}

/** Accumulates lines, joining inline text and separating blocks by blank lines. */
class MarkdownWriter {
  private readonly blocks: string[] = [];
  private current = '';
  private pendingPrefix = '';
  private readonly lists: Array<{ ordered: boolean; n: number }> = [];
  private indent = 0;
  private quote = 0;
  private row: string[] | null = null;
  private cell: string | null = null;
  private rowsInTable = 0;
  private breakBefore: 'none' | 'line' | 'block' = 'none';

  text(raw: string): void {
    const t = collapse(raw);
    if (this.cell !== null) {
      this.cell += t;
      return;
    }
    if (!t.trim() && !this.current) return;
    if (!this.current) {
      this.flushBreak();
      this.current = this.linePrefix() + this.pendingPrefix + t.replace(/^ /, '');
      this.pendingPrefix = '';
    } else {
      this.current += this.current.endsWith(' ') ? t.replace(/^ /, '') : t;
    }
  }

  raw(text: string): void {
    this.block();
    this.flushBreak();
    this.blocks.push(text);
    this.breakBefore = 'block';
  }

  prefix(p: string): void {
    this.pendingPrefix += p;
  }

  lineBreak(): void {
    if (this.cell !== null) {
      this.cell += ' ';
      return;
    }
    this.endLine('line');
  }

  line(): void {
    this.endLine('line');
  }

  block(): void {
    this.endLine('block');
  }

  private endLine(kind: 'line' | 'block'): void {
    if (this.current.trim()) {
      this.flushBreak();
      this.blocks.push(this.current.replace(/\s+$/, ''));
      this.breakBefore = kind;
    } else if (kind === 'block' && this.breakBefore === 'line') {
      this.breakBefore = 'block';
    }
    this.current = '';
  }

  private flushBreak(): void {
    if (this.blocks.length === 0) return;
    if (this.breakBefore === 'block') this.blocks.push('');
    this.breakBefore = 'none';
  }

  private linePrefix(): string {
    return '> '.repeat(this.quote) + '  '.repeat(Math.max(0, this.indent - 1));
  }

  pushList(ordered: boolean): void {
    this.lists.push({ ordered, n: 0 });
  }
  popList(): void {
    this.lists.pop();
  }
  listMarker(): string {
    const list = this.lists[this.lists.length - 1];
    if (!list) return '- ';
    list.n++;
    return list.ordered ? `${list.n}. ` : '- ';
  }
  pushIndent(): void {
    this.indent++;
  }
  popIndent(): void {
    this.indent = Math.max(0, this.indent - 1);
  }
  pushQuote(): void {
    this.quote++;
  }
  popQuote(): void {
    this.quote = Math.max(0, this.quote - 1);
  }

  startRow(): void {
    this.row = [];
  }
  endRow(): void {
    if (this.cell !== null) this.endCell();
    const row = this.row;
    this.row = null;
    if (!row || row.every((c) => !c)) return;
    this.text('| ' + row.join(' | ') + ' |');
    this.rowsInTable++;
  }
  startCell(): void {
    if (this.row === null) this.row = [];
    this.cell = '';
  }
  endCell(): void {
    if (this.cell === null) return;
    this.row?.push(this.cell.trim().replace(/\|/g, '\\|'));
    this.cell = null;
  }
  inCell(): boolean {
    return this.cell !== null;
  }

  result(): string {
    this.block();
    return this.blocks.join('\n').trim();
  }
}
