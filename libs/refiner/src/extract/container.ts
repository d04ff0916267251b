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
  previousElementSibling: ContainerElement | null;
  firstElementChild: ContainerElement | null;
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
  'comments',
  'commentlist',
]);
/**
 * Class or id words of customers' reviews and star ratings: chrome on a product page (see
 * `ContainerOptions.reviews`), where they are not the page's own text; on other pages they may be
 * the article (an editor's review, a round-up of rated products).
 */
const REVIEW_WORDS = new Set(['review', 'reviews', 'rating', 'ratings']);
/**
 * Class or id words of a shop's disclaimers, footnotes and legal fine print ("Prices include VAT",
 * "*Results may vary", "Colours may differ from the picture"): chrome on a product page, where the
 * annotated text is the product's description and specs; elsewhere they may be an article's notes.
 */
const DISCLAIMER_WORDS = new Set(['disclaimer', 'disclaimers', 'footnote', 'footnotes', 'legal', 'fineprint']);
/** Class or id words of chrome on a product page only: reviews, ratings, disclaimers. */
export const PRODUCT_CHROME_WORDS = new Set([...REVIEW_WORDS, ...DISCLAIMER_WORDS]);

/** A class or id name's words: split on `-` and `_`, with `fine-print` as one word. */
export function nameWords(name: string): string[] {
  return name.replace(/fine[-_]?print/g, 'fineprint').split(/[_-]+/);
}

export interface ContainerOptions {
  /** The page is a product's: customers' reviews and ratings and disclaimers (`PRODUCT_CHROME_WORDS`) are chrome. */
  reviews?: boolean;
}

interface Stats {
  chars: number;
  linkChars: number;
  /** Links with text (outermost `<a>` elements). */
  links: number;
  /** Headline links: headings (`<h2>` to `<h6>`) of HEADLINE_CHARS or more that are links or inside one. */
  headlines: number;
}

/**
 * `share` is the element's part of the content root's text. Chrome by name only: a layout wrapper
 * whose class states what the layout has (`has-sidebar`, `no-breadcrumbs`, `with-side-banner`)
 * is not a sidebar, and an element holding half the page's text or more is never chrome for a class
 * or id word: a skip link's target (`skip-to-products`), a review that is the page, a body wrapper
 * named for its layout (`sticky-footer`, `menu-open`).
 */
function isChrome(el: ContainerElement, insideUnit: boolean, share: number, reviews: boolean): boolean {
  const tag = el.localName;
  if (CHROME_TAGS.has(tag)) return true;
  if (PAGE_TAGS.has(tag) && !insideUnit) return true;
  const role = el.getAttribute('role');
  if (role && CHROME_ROLES.test(role)) return true;
  if (el.getAttribute('aria-hidden') === 'true' || el.getAttribute('hidden') !== null) return true;
  if (tag === 'body' || tag === 'main' || tag === 'article') return false;
  return share < PAGE_SHARE && chromeNameWords(el, reviews).length > 0;
}
/** Words that make the chrome words after them in the same class name a statement about the layout. */
const LAYOUT_MODIFIERS = new Set(['has', 'no', 'with', 'without', 'is']);
/** An element holding this share of the content root's text is the page, whatever its class says. */
const PAGE_SHARE = 0.5;

/** The chrome words of the element's class and id names, leaving out those after a layout modifier. */
function chromeNameWords(el: ContainerElement, reviews: boolean): string[] {
  const found: string[] = [];
  const v = `${el.getAttribute('class') ?? ''} ${el.getAttribute('id') ?? ''}`.toLowerCase();
  for (const name of v.split(/\s+/)) {
    for (const w of nameWords(name)) {
      if (LAYOUT_MODIFIERS.has(w)) break;
      if (CHROME_WORDS.has(w) || (reviews && PRODUCT_CHROME_WORDS.has(w))) found.push(w);
    }
  }
  return found;
}

const BLOCKS = new Set(['p', 'li', 'ul', 'ol', 'div', 'section', 'table', 'tr', 'dl', 'h2', 'h3', 'h4', 'h5', 'h6']);

/** Text length and text-in-links length of every element, in one walk. */
function measure(root: ContainerElement): Map<DomNode, Stats> {
  const stats = new Map<DomNode, Stats>();
  const visit = (node: DomNode, inLink: boolean): Stats => {
    if (node.nodeType === 3) {
      const n = (node.textContent ?? '').replace(/\s+/g, '').length;
      return { chars: n, linkChars: inLink ? n : 0, links: 0, headlines: 0 };
    }
    if (node.nodeType !== 1) return { chars: 0, linkChars: 0, links: 0, headlines: 0 };
    const opensLink = !inLink && node.nodeName === 'A';
    const s = { chars: 0, linkChars: 0, links: 0, headlines: 0 };
    const kids = node.childNodes;
    for (let i = 0; i < kids.length; i++) {
      const k = visit(kids[i]!, inLink || opensLink);
      s.chars += k.chars;
      s.linkChars += k.linkChars;
      s.links += k.links;
      s.headlines += k.headlines;
    }
    if (opensLink && s.chars > 0) s.links++;
    if (HEADLINE_TAGS.has(node.nodeName) && s.chars >= HEADLINE_CHARS && s.linkChars >= HEADLINE_LINKED * s.chars) {
      s.headlines++;
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
export function containerText(
  body: ContainerElement | null,
  options: ContainerOptions = {},
): { text: string; linkDensity: number } {
  if (!body) return { text: '', linkDensity: 0 };
  const stats = measure(body);
  const all = stats.get(body);
  const linkDensity = all?.chars ? all.linkChars / all.chars : 0;
  return { text: mainText(body, stats, options.reviews ?? false), linkDensity };
}

function mainText(body: ContainerElement, stats: Map<DomNode, Stats>, reviews: boolean): string {
  const root = pickRoot(body, stats);
  const units = new Set<DomNode>(Array.from(root.querySelectorAll('article, [itemprop=comment], [itemtype]')));
  const insideUnit = (el: ContainerElement) => {
    for (let p = el.parentElement; p && p !== root; p = p.parentElement) if (units.has(p)) return true;
    return false;
  };
  const rootChars = stats.get(root)?.chars ?? 0;
  const groups: SiblingGroups = new Map();
  const sectionLists = new Map<DomNode, boolean>();
  const sectionList = (list: ContainerElement) => {
    let known = sectionLists.get(list);
    if (known === undefined) sectionLists.set(list, (known = isSectionList(list)));
    return known;
  };
  return toMarkdown(root, {
    skip: (node) => {
      const el = node as ContainerElement;
      const s = stats.get(node);
      if (isChrome(el, insideUnit(el), rootChars && s ? s.chars / rootChars : 0, reviews)) return true;
      if (!BLOCKS.has(el.localName)) return false;
      if (!s || !s.chars) return false;
      if (isAnchoredHeading(el)) return false;
      // A heading is content however short its link: a card's title in a grid (`<a><h3>Pad Thai</h3></a>`).
      if (HEADINGS.has(el.localName) && s.chars >= CARD_TITLE_CHARS) return false;
      // A section's list of links, and each of its items.
      if (isSectionList(el)) return false;
      if (el.localName === 'li' && el.parentElement && sectionList(el.parentElement)) return false;
      // A block inside a link (a card's title or price) is judged as that link.
      const link = s.links === 0 && s.linkChars > 0 ? enclosingLink(el) : null;
      if (!isLinkBlock(el.localName, (link && stats.get(link)) || s)) return false;
      return !(link === null && isRepeatedUnit(el, stats, groups));
    },
  });
}

/** The tag and class names of an element: siblings that share them are units of one repeated structure. */
function signature(el: ContainerElement): string {
  const cls = (el.getAttribute('class') ?? '').trim().split(/\s+/).sort().join(' ');
  return `${el.localName}.${cls}`;
}

interface SiblingGroup {
  units: number;
  /** Units that are not link blocks. */
  content: number;
}
/** Per parent, per signature of its children: the group of siblings of that signature. */
type SiblingGroups = Map<DomNode, Map<string, SiblingGroup>>;

/** The element's siblings of its own tag and classes (itself included). */
function siblingGroup(el: ContainerElement, stats: Map<DomNode, Stats>, groups: SiblingGroups): SiblingGroup | null {
  const parent = el.parentElement;
  if (!parent) return null;
  let bySignature = groups.get(parent);
  if (!bySignature) {
    bySignature = new Map();
    for (let i = 0; i < parent.children.length; i++) {
      const sib = parent.children[i]!;
      const sig = signature(sib);
      const group = bySignature.get(sig) ?? { units: 0, content: 0 };
      group.units++;
      const s = stats.get(sib);
      if (s && s.chars && !isLinkBlock(sib.localName, s)) group.content++;
      bySignature.set(sig, group);
    }
    groups.set(parent, bySignature);
  }
  return bySignature.get(signature(el)) ?? null;
}

/**
 * A link block that is one of REPEATED_UNITS or more siblings with its tag and classes, at least
 * REPEATED_CONTENT_SHARE of which are not link blocks (their titles are longer), is one of a
 * listing's entries whose title is short: a row of a news aggregator, a card of a grid. As
 * trafilatura does, the repeated units of the content are kept together.
 */
function isRepeatedUnit(el: ContainerElement, stats: Map<DomNode, Stats>, groups: SiblingGroups): boolean {
  const group = siblingGroup(el, stats, groups);
  return !!group && group.units >= REPEATED_UNITS && group.content >= REPEATED_CONTENT_SHARE * group.units;
}
const REPEATED_UNITS = 4;
const REPEATED_CONTENT_SHARE = 0.5;

/** Characters (without spaces) of a heading that is never a link block: "More" is not one, "Ramen" is. */
const CARD_TITLE_CHARS = 5;

const HEADINGS = new Set(['h2', 'h3', 'h4', 'h5', 'h6']);

/**
 * A heading written as a link to itself (`<h2 id="x"><a href="#x">Title</a></h2>`, the permalink of a
 * documentation section) is a heading, not a link block: every link in it points into the page.
 */
function isAnchoredHeading(el: ContainerElement): boolean {
  if (!HEADINGS.has(el.localName)) return false;
  const links = Array.from(el.querySelectorAll('a'));
  return links.length > 0 && links.every((a) => (a.getAttribute('href') ?? '').startsWith('#'));
}

/**
 * A long list of links right under a heading of the content (`<h2>B</h2>` and the languages whose names
 * start with B, in an index or a list page): the section's content, not a menu, which sits in the page's
 * chrome or under no heading. The heading may be wrapped (`<div><h2>B</h2><a>edit</a></div>`) and the list
 * too (`<div class="columns"><ul>`).
 */
function isSectionList(el: ContainerElement): boolean {
  let list: ContainerElement | null = el;
  while (list && list.localName !== 'ul' && list.localName !== 'ol') {
    if (list.children.length !== 1) return false;
    list = list.firstElementChild;
  }
  if (!list) return false;
  let items = 0;
  for (let i = 0; i < list.children.length; i++) if (list.children[i]!.localName === 'li') items++;
  if (items < SECTION_LIST_ITEMS) return false;
  let node: ContainerElement | null = el;
  for (let up = 0; node && up <= 2; up++, node = node.parentElement) {
    let prev = node.previousElementSibling;
    while (prev && NOT_RENDERED.has(prev.localName)) prev = prev.previousElementSibling;
    if (prev) return HEADINGS.has(prev.localName) || HEADINGS.has(prev.firstElementChild?.localName ?? '');
  }
  return false;
}
/** Elements a page does not show, passed over when looking for the heading before a list. */
const NOT_RENDERED = new Set(['link', 'meta', 'style', 'script', 'template']);
/** Items of a list under a heading that make it the section's content. */
const SECTION_LIST_ITEMS = 4;

function enclosingLink(el: ContainerElement): ContainerElement | null {
  for (let p = el.parentElement; p; p = p.parentElement) if (p.localName === 'a') return p;
  return null;
}

/**
 * Link lists and short link blocks: menus, tag clouds, "related" lists that carry no chrome name.
 * Links whose text averages CARD_LINK_CHARS or more are not menu entries but the entries of a
 * listing: headlines, or product cards written as one link around a title, a price and a line
 * of description. A block of those is content. So is a block holding a headline (a heading of
 * HEADLINE_CHARS or more that is a link): a listing's entry is a short linked headline with its
 * byline, date and tag links, whose links average well under CARD_LINK_CHARS.
 */
function isLinkBlock(tag: string, s: Stats): boolean {
  const density = s.linkChars / s.chars;
  if (density < 0.7) return false;
  if (s.links > 0 && s.linkChars / s.links >= CARD_LINK_CHARS) return false;
  if (s.headlines > 0) return false;
  return density >= 0.8 && s.chars < 1500 ? true : tag !== 'div' && s.chars < 600;
}
/** Characters (without spaces) of an average headline link; menu entries are 5 to 20. */
const CARD_LINK_CHARS = 30;
const HEADLINE_TAGS = new Set(['H2', 'H3', 'H4', 'H5', 'H6']); // nodeName: upper case
/** Characters (without spaces) of a headline: two words, as a card's title ("Lemon tart", "Data science"). */
const HEADLINE_CHARS = 8;
const HEADLINE_LINKED = 0.8;
