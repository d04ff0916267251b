/**
 * The main container's text: the other half of extraction, for pages whose main content is a set
 * of sibling blocks (forum threads, listings, documentation indexes, product pages) where
 * Readability picks one block. As trafilatura does, it keeps the container's content units and
 * drops the chrome around them (navigation, headers and footers outside the content, sidebars,
 * link lists), reading the document without changing it, so Readability can run on it afterwards.
 */
import { type DomNode, toMarkdown } from './markdown.js';

/** The parts of a (linkedom) element this module reads. */
export interface ContainerElement extends DomNode {
  localName: string;
  children: ArrayLike<ContainerElement>;
  parentElement: ContainerElement | null;
  getAttribute(name: string): string | null;
  querySelector(selector: string): ContainerElement | null;
  querySelectorAll(selector: string): ArrayLike<ContainerElement>;
}

/** Elements that are page chrome wherever they are. */
const CHROME_TAGS = new Set(['nav', 'aside', 'dialog', 'menu']);
/** Elements that are chrome when they belong to the page, not to a content unit (an article, a post). */
const PAGE_TAGS = new Set(['header', 'footer']);
const CHROME_ROLES = /^(?:navigation|banner|contentinfo|complementary|search|menu|menubar|dialog|alert)$/i;
/** Class or id words of page chrome. Whole words (split on spaces, `-` and `_`), so `.navigation-item` counts and `.canvas` does not. */
const CHROME_WORDS = new Set([
  'nav',
  'navbar',
  'navigation',
  'menu',
  'breadcrumb',
  'breadcrumbs',
  'sidebar',
  'footer',
  'cookie',
  'cookies',
  'consent',
  'gdpr',
  'share',
  'sharing',
  'social',
  'newsletter',
  'subscribe',
  'popup',
  'modal',
  'skip',
  'pagination',
  'pager',
  'toolbar',
  'masthead',
  'advert',
  'advertisement',
  'ads',
  'related',
  'recommended',
  'promo',
  'banner',
]);

interface Stats {
  chars: number;
  linkChars: number;
}

function nameWords(el: ContainerElement): string[] {
  const v = `${el.getAttribute('class') ?? ''} ${el.getAttribute('id') ?? ''}`.toLowerCase();
  return v ? v.split(/[\s_-]+/) : [];
}

function isChrome(el: ContainerElement, insideUnit: boolean): boolean {
  const tag = el.localName;
  if (CHROME_TAGS.has(tag)) return true;
  if (PAGE_TAGS.has(tag) && !insideUnit) return true;
  const role = el.getAttribute('role');
  if (role && CHROME_ROLES.test(role)) return true;
  if (el.getAttribute('aria-hidden') === 'true' || el.getAttribute('hidden') !== null) return true;
  if (tag === 'body' || tag === 'main' || tag === 'article') return false;
  for (const w of nameWords(el)) if (CHROME_WORDS.has(w)) return true;
  return false;
}

const BLOCKS = new Set(['p', 'li', 'ul', 'ol', 'div', 'section', 'table', 'tr', 'dl', 'h2', 'h3', 'h4', 'h5', 'h6']);

/** Text length and text-in-links length of every element, in one walk. */
function measure(root: ContainerElement): Map<DomNode, Stats> {
  const stats = new Map<DomNode, Stats>();
  const visit = (node: DomNode, inLink: boolean): Stats => {
    if (node.nodeType === 3) {
      const n = (node.textContent ?? '').replace(/\s+/g, '').length;
      return { chars: n, linkChars: inLink ? n : 0 };
    }
    if (node.nodeType !== 1) return { chars: 0, linkChars: 0 };
    const link = inLink || node.nodeName === 'A';
    const s = { chars: 0, linkChars: 0 };
    const kids = node.childNodes;
    for (let i = 0; i < kids.length; i++) {
      const k = visit(kids[i]!, link);
      s.chars += k.chars;
      s.linkChars += k.linkChars;
    }
    stats.set(node, s);
    return s;
  };
  visit(root, false);
  return stats;
}

/** The content root: <main> or [role=main] when it holds most of the page's text, else the body. */
function pickRoot(body: ContainerElement, stats: Map<DomNode, Stats>): ContainerElement {
  const total = stats.get(body)?.chars ?? 0;
  for (const sel of ['main', '[role=main]']) {
    const candidates = Array.from(body.querySelectorAll(sel));
    if (candidates.length !== 1) continue;
    const c = candidates[0]!;
    const s = stats.get(c);
    if (s && s.chars >= 0.25 * total && s.chars - s.linkChars > 200) return c;
  }
  return body;
}

/**
 * The body's main container as Markdown-style text, without the chrome ('' when there is no
 * body), and the share of the body's text inside links.
 */
export function containerText(body: ContainerElement | null): { text: string; linkDensity: number } {
  if (!body) return { text: '', linkDensity: 0 };
  const stats = measure(body);
  const all = stats.get(body);
  const linkDensity = all?.chars ? all.linkChars / all.chars : 0;
  return { text: mainText(body, stats), linkDensity };
}

function mainText(body: ContainerElement, stats: Map<DomNode, Stats>): string {
  const root = pickRoot(body, stats);
  const units = new Set<DomNode>(Array.from(root.querySelectorAll('article, [itemprop=comment], [itemtype]')));
  const insideUnit = (el: ContainerElement) => {
    for (let p = el.parentElement; p && p !== root; p = p.parentElement) if (units.has(p)) return true;
    return false;
  };
  return toMarkdown(root, {
    skip: (node) => {
      const el = node as ContainerElement;
      if (isChrome(el, insideUnit(el))) return true;
      if (!BLOCKS.has(el.localName)) return false;
      const s = stats.get(node);
      if (!s || !s.chars) return false;
      // Link lists and short link blocks: menus, tag clouds, "related" lists that carry no chrome name.
      const density = s.linkChars / s.chars;
      return density >= 0.8 && s.chars < 1500 ? true : el.localName !== 'div' && density >= 0.7 && s.chars < 600;
    },
  });
}
