import type { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import { type ContainerElement, PRODUCT_CHROME_WORDS, containerText, nameWords } from './container.js';
import { type DomNode, toMarkdown } from './markdown.js';
import { QuickReadability } from './readability.js';

/** What extraction found in one page. `text` is Markdown-style; empty when the page has no article. */
export interface Extracted {
  title: string | null;
  byline: string | null;
  /** ISO 8601, when the page states it. */
  publishedAt: string | null;
  text: string;
  /** Words in `text` (runs of letters and digits). */
  words: number;
  /**
   * Which path produced the text: Readability's article, the main container, the page body when neither
   * found text, or the page's meta description when its body has none (a page its scripts write).
   */
  method: 'readability' | 'container' | 'body' | 'description' | 'none' | 'pdf' | 'text';
  /** Signals of how trustworthy the extraction is; page.ts turns them into the verdict. */
  signals: ExtractionSignals;
  /** Both candidate texts, when `candidates` was asked for (diagnostics and the benchmark's analysis). */
  candidates?: { readability: string; container: string };
}

export interface ExtractionSignals {
  /** Share of the page body's text that sits inside links (menus, link lists). */
  linkDensity: number;
  /** Share of the chosen text's lines that the boilerplate filters dropped. */
  boilerplateShare: number;
  /**
   * How much the two candidates (Readability's article, the main container) agree on the amount of
   * text: the smaller word count over the larger, 0..1. Low when one candidate found much more.
   */
  agreement: number;
  /** The page reads as an error, login or bot-check page (a short text under an error title). */
  errorPage: boolean;
}

export interface ExtractOptions {
  /** The page's URL, for resolving relative links and metadata. */
  url?: string;
  /** Pages with more characters than this once scripts, styles and comments are gone are refused (default 10 MB). */
  maxChars?: number;
  /** Also return both candidate texts (Readability's article and the main container). */
  candidates?: boolean;
}

/** Raised for a page extraction refuses: empty, binary, too large. `reason` says why. */
export class UnusablePageError extends Error {
  readonly reason: string;
  constructor(reason: string) {
    super(reason);
    this.reason = reason;
    this.name = 'UnusablePageError';
  }
}

const DEFAULT_MAX_CHARS = 10 * 1024 * 1024;
const mb = (chars: number) => `${(chars / 1024 / 1024).toFixed(1)} MB`;

/** Elements that never hold article text; removed before parsing so huge inline blobs cost nothing. */
const STRIP_BLOCKS = /<(script|style|template|svg|math|iframe|object)\b[^>]*>[\s\S]*?<\/\1\s*>/gi;
/**
 * <noscript> is what a reader without scripts sees: on script-rendered sites (Discourse forums, some
 * shops) it is the whole page. Short ones ("enable JavaScript", tracking pixels) go; long ones are
 * unwrapped into the page.
 */
const NOSCRIPT = /<noscript\b[^>]*>([\s\S]*?)<\/noscript\s*>/gi;
const NOSCRIPT_MIN_WORDS = 30;
function unwrapNoscript(_match: string, inner: string): string {
  const text = inner.replace(/<[^>]*>/g, ' ');
  return countWords(text) >= NOSCRIPT_MIN_WORDS ? `<div>${inner}</div>` : '';
}
const STRIP_COMMENTS = /<!--[\s\S]*?-->/g;
/**
 * `<![CDATA[` outside SVG and MathML (both cut out before) is a bogus comment in HTML, closed by the next
 * `>`; linkedom's parser reads it as a CDATA section running to a `]]>` that never comes, and the rest of
 * the page is lost (a forum theme writes one at the top of the body).
 */
const BOGUS_CDATA = /<!\[CDATA\[[^>]*>/g;
const STRIP_DATA_URIS = /\b(src|href|srcset)\s*=\s*(["'])data:[^"']*\2/gi;

/** Lines that are page furniture rather than article text, whatever the site (checked on lines under 80 characters). */
const BOILERPLATE_LINE = new RegExp(
  '^(?:' +
    [
      'advert(?:isement|ising)?',
      'anzeige|publicidad|publicité|pubblicità|iklan|реклама',
      'sponsored(?: content)?',
      'ad',
      'share(?: this(?: article| story| post)?)?(?: on \\w+)?',
      'tweet|email|print|comments?|post comment.*|caption|close|menu|search|sign in|log in|next|previous',
      'read more|continue reading|load more',
      // A shop's buttons written as links or divs, which removeProductControls does not see.
      'add to (?:cart|basket|bag|trolley|wish ?list)|buy (?:it )?now|quantity|qty:?',
      'click here(?: to \\w+(?: \\w+){0,3})?\\W*',
      'subscribe(?: now)?|follow us.*',
      'skip to (?:main )?content',
      'loading\\W*',
      'image \\d+ of.*',
      'this slideshow requires javascript\\.?',
      '.*(?:share it with a friend|uses cookies|cookie policy).*',
      '(?:sign up|subscribe)\\b.*\\b(?:newsletters?|inbox)\\b.*',
      '(?:reading time|tempo de leitura|temps de lecture|lesezeit):?.*',
      // Documentation pages' own controls and feedback boxes, and a forum's notices to the visitor.
      '(?:previous|next) (?:article|topic|chapter|lesson)',
      '(?:is this page (?:useful|helpful)\\??\\s*)?edit this page(?: on github)?',
      '(?:was|is) this (?:page |article )?(?:useful|helpful)\\?',
      'submit (?:a )?correction|expand description|collapse description',
      'find the answer to your question by asking\\.?',
      'you should upgrade or use an alternative browser\\.?',
    ].join('|') +
    ')$',
  'i',
);

/** A forum's notice to old browsers, longer than BOILERPLATE_LINE's lines. */
const OUTDATED_BROWSER_LINE =
  /^you are using an out of date browser\. it may not display this or other websites correctly\.?$/i;

/**
 * A heading or line announcing links to other stories: it and the list after it go. Anchored to the
 * whole line: "More than 40 people were hurt" is a sentence, not a "More" heading.
 */
const RELATED_LINE =
  /^(?:related(?: \w+){0,2}|read more|see also|also on|more(?: \w+){0,3} (?:stories|articles|news|posts)|more|you (?:may|might) also like|recommended(?: for you)?|recent (?:articles|posts|stories)|popular(?: this week| now)?|most (?:read|popular|viewed)|trending(?: now)?|tell us what you think|more from .{1,40}|leia (?:também|mais)|lesen sie auch|à lire aussi|lee también)[\s:.!?…»›>|-]*$/i;

/**
 * A heading over what follows a story: other stories ("Related articles", "More from Science", "You may
 * also like", "Popular", "Trending now", "Read next") or the readers' comments ("3 Comments", "Leave a
 * reply", "Join the conversation"). Under the story's text (STORY_END_MIN_LINES lines of 8 words or more
 * before it), the heading and its section go, to the next heading of its level: the cards under it are
 * headlines and snippets, not list items, so RELATED_LINE's list rule missed them.
 */
const STORY_END_MIN_LINES = 3;
const STORY_END_HEADING =
  /^(?:related(?: \w+){0,2}|more from .{1,40}|more(?: \w+){0,3} (?:stories|articles|news|posts|videos|reads)|(?:you|we think you) (?:may|might|will|'ll) (?:also )?(?:like|enjoy|love|be interested in)(?: these)?|recommended(?: for you| reading| stories| articles| videos)?|(?:most )?popular(?: \w+){0,2}|most (?:read|viewed|shared|commented|recent)(?: \w+){0,2}|trending(?: \w+){0,2}|(?:what to )?read (?:next|more|also)|up next|keep reading|don'?t miss|editor'?s? picks|latest (?:news|stories|articles|posts)|(?:\d+ )?(?:comments?|responses?)(?: \(\d+\))?|(?:leave|post|add|write) a (?:comment|reply|response)|join the (?:conversation|discussion)|(?:have your say|what do you think\??))[\s:.!?…»›>|-]*$/i;

/**
 * A heading over other products or events than the page's own: a shop's recommendation carousels
 * ("Customers who viewed this item also viewed", "Customers frequently viewed", "Products related to this
 * item", "Similar items", "Frequently bought together", "Recently viewed", "Complete the set", "Consider
 * these available items") and a store page's news feed ("Recent events & announcements"). The heading and
 * its section (every line up to the next heading of the same or a higher level) go: the cards in it
 * are names and prices, not list items.
 */
const OTHER_PRODUCTS_HEADING =
  /^(?:(?:customers|people|others(?: like you)?|shoppers)(?: who (?:viewed|bought|purchased) this(?: item| product)?)? (?:also|frequently) (?:viewed|bought|purchased|liked|like)(?: or (?:read|viewed|bought))?|(?:this is )?what (?:other )?customers (?:who viewed this(?: item| product)? )?(?:bought|viewed)(?: after viewing this(?: item| product)?)?|similar (?:items|products)(?: to consider)?|(?:explore )?related (?:items|products)(?: to explore)?|(?:products|items) related to this (?:item|product)|frequently (?:bought|purchased) together|frequently compared(?: \w+)?|recently (?:viewed|added)(?: items| products)?|more like this|you (?:may|might) also (?:like|love|need|enjoy)|(?:added to your (?:cart|basket)!? )?complete the (?:look|set)|consider these (?:available )?items|shop the look|sponsored products(?: related to this item)?|recent (?:events|news|updates)(?: (?:&|and) announcements)?)[\s:.!?…]*$/i;

/**
 * A heading over one customer's review ("5.0 out of 5 stars Great sound", "Rated 4 out of 5 by Sam"),
 * over the reviews ("Top reviews from the United States", "Reviews with images") or over the customers'
 * questions ("Customer questions & answers", "People are asking"): its section goes
 * like that of OTHER_PRODUCTS_HEADING, on every page (the shops that write them, Amazon among them,
 * often declare no product). Reviews whose wrappers carry no review class name are left by
 * removeWidgets; their headings give them away. A bare "Questions & answers" stays (an interview's
 * heading), and so does "FAQ" or "Frequently asked questions": a shop's own text, which annotators keep
 * (product F1 fell .010 without it). The filter tests the heading without its leading number ("5.0").
 */
const CUSTOMER_SECTION_HEADING =
  /^(?:(?:\d(?:[.,]\d)? )?out of 5 stars\b.*|rated \d(?:[.,]\d)? out of 5\b.*|top reviews(?: from .{1,40})?|reviews with images|customer questions (?:&|and) answers|people are asking)[\s:.!?…]*$/i;

/**
 * Lines of forum and Q&A software around the posts, whatever the site: a poster's counts and rank
 * ("Posts: 1,077", "14 posts · Joined 2025", "2 silver badges", "55.4k24 gold badges197 silver badges",
 * "Senior Member", "10+ Year Member", "Original Poster"),
 * the buttons under a post ("Reply", "2 Likes", "Quote") and the reply form and sign-in prompts below
 * the thread ("Your Answer", "Post as a guest", "You must log in to answer this question.").
 */
const POSTER_STATS =
  /^(?:[\d.,]+\s*[km]?\s*)?(?:(?:(?:gold|silver|bronze)\s+badges?|posts?|replies|reply|likes?|reactions?|reaction score|joined|member since|kudos|trophies)\s*[:·•|,]?\s*(?:[\d.,]+\s*[km]?|\p{L}{3,9}\.? \d{1,2},? \d{4}|\p{L}{3,9}\.? \d{4}|\d{4})?\s*[·•|,]?\s*)+$|^(?:messages|points|location)\s*:\s*[\d.,]*$|^[\d.,]*\s*[km]?\s*(?:[\d.,]+\s*(?:gold|silver|bronze)\s+badges?\s*)+$/iu;
const POSTER_RANK =
  /^(?:(?:new|senior|junior|active|valued|well-known|established|registered|full|veteran|legendary|distinguished|esteemed)\s+member|member|moderator|global moderator|administrator|original poster|op|author|staff member|thread starter|topic starter|discussion starter|(?:\d*\+ ?|\d+ )years? member)$/i;
const THREAD_CONTROLS =
  /^(?:reply|quote|post reply|reply with quote|multi-?quote|quote reply|permalink|ask question|your answer|draft saved|draft discarded|sign up or log in|sign up using (?:google|facebook|email and password)|post as a guest|required, but never shown|sorted by:.*|start asking to get answers|explore related questions|see similar questions with these tags\.?|you must (?:log in|sign in|be logged in)(?: or register)? to (?:answer this question|reply(?: here)?|post(?: a reply)?|comment)\.?|not open for further replies\.?|create an account or sign in to (?:comment|reply)|register a new account|already have an account\? sign in(?: here)?\.?|sign in now|create an account|recommended posts|similar threads|click to expand\.{0,3}|reply to this topic|go to (?:topic|thread) listing|improve this (?:answer|question)|add a comment|show \d+ more comments?)$/i;

function isThreadChrome(bare: string): boolean {
  return POSTER_STATS.test(bare) || POSTER_RANK.test(bare) || THREAD_CONTROLS.test(bare);
}

/** Photo credits and captions that survive as loose lines. */
const CREDIT_LINE =
  /(?:getty images|shutterstock|\bap photo\b|\breuters\b|\bafp\b|^\(?(?:image|photo|picture|credit)s?\s*:|©|ⓒ|copyright)/i;

const MONTH =
  /\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b/i;
const YEAR_OR_TIME = /\b(?:19|20)\d\d\b|\b\d{1,2}:\d\d\b/;

/** A short line that is only a date stamp ("Updated Nov 19, 9:41 AM", "October 06, 2018"). */
function isDateLine(bare: string, words: number): boolean {
  // Attribution lines of quoted posts ("— Name (@handle) May 1, 2019") are content.
  if (words > 12 || /[.!?]["”’)]?$/.test(bare) || /^[—–-]|@\w/.test(bare)) return false;
  return (
    YEAR_OR_TIME.test(bare) &&
    (MONTH.test(bare) || /\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b|\b\d{4}-\d\d-\d\d\b/.test(bare) || /:\d\d/.test(bare))
  );
}

/** The parts of a (linkedom) DOM document that extraction touches. */
interface DomElement extends DomNode {
  textContent: string | null;
  localName: string;
  getAttribute(name: string): string | null;
  setAttribute(name: string, value: string): void;
  removeAttribute(name: string): void;
  appendChild(node: DomElement): void;
  remove(): void;
  parentElement: DomElement | null;
  children: ArrayLike<DomElement>;
  firstElementChild: DomElement | null;
  nextElementSibling: DomElement | null;
  replaceWith(node: DomElement): void;
  prepend(...nodes: DomElement[]): void;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): ArrayLike<DomElement>;
}
interface HtmlDocument {
  documentElement: DomElement | null;
  head: DomElement | null;
  body: DomElement | null;
  createElement(name: string): DomElement;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): ArrayLike<DomElement>;
}

/** What a browser's parser keeps in <head>; anything else there starts the body. */
const HEAD_ELEMENTS = new Set(['title', 'meta', 'link', 'style', 'script', 'base', 'noscript', 'template']);

function parseDocument(html: string): HtmlDocument {
  const document = parseHTML(html).document as unknown as HtmlDocument;
  moveBodyContentOutOfHead(document);
  mergeBodies(document);
  return document;
}

/**
 * An element between `</head>` and `<body>` (a stylesheet `<link>` written after the head) makes linkedom
 * open a body there, and the page's own `<body>` then becomes a second one: `document.body` is the first,
 * empty one, and the page reads as blank (a shop's product page lost its whole text). A browser has one
 * body, holding everything: the later bodies' children move into the first.
 */
function mergeBodies(document: HtmlDocument): void {
  const root = document.documentElement;
  const body = document.body;
  if (!root || !body) return;
  for (const other of Array.from(root.children)) {
    if (other === body || other.localName !== 'body') continue;
    for (const child of Array.from(other.childNodes)) body.appendChild(child as DomElement);
    for (const name of ['class', 'id']) {
      const value = other.getAttribute(name);
      if (value && !body.getAttribute(name)) body.setAttribute(name, value);
    }
    other.remove();
  }
}

/**
 * linkedom leaves a `<div>` written inside `<head>` there, where a browser would close the head and start
 * the body. Readability then scores `<html>` itself and fails walking up from it (a plugin's banner in the
 * head of a WordPress page did that), so such elements move to the start of the body, as a browser has them.
 */
function moveBodyContentOutOfHead(document: HtmlDocument): void {
  const { head, body } = document;
  if (!head || !body) return;
  const strays = Array.from(head.children).filter((el) => !HEAD_ELEMENTS.has(el.localName));
  if (strays.length > 0) body.prepend(...strays);
}

export function extract(html: string, options: ExtractOptions = {}): Extracted {
  assertLooksLikeText(html);
  // Read before the scripts are cut out.
  const isArticle = declaresArticle(html);
  const isThread = declaresThread(html);
  const productSignal = isArticle ? null : declaresProduct(html);
  const isProduct = productSignal !== null;
  const productText = isProduct ? productDescription(html) : '';
  const maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
  // Scripts, styles and inline images can be most of a page: the limit is on what is left, within reason.
  if (html.length > 8 * maxChars) {
    throw new UnusablePageError(`page too large: ${mb(html.length)} (limit ${mb(maxChars)} of markup)`);
  }
  const streamed = STREAMED_SEGMENT.test(html);
  const cleaned = (streamed ? markStreamedSlots(html) : html)
    .replace(STRIP_COMMENTS, '')
    .replace(STRIP_BLOCKS, '')
    .replace(BOGUS_CDATA, '')
    .replace(NOSCRIPT, unwrapNoscript)
    .replace(STRIP_DATA_URIS, '$1=""');
  if (cleaned.length > maxChars) {
    throw new UnusablePageError(
      `page too large: ${mb(cleaned.length)} of markup without scripts and styles (limit ${mb(maxChars)})`,
    );
  }
  const wrapped = /<html[\s>]/i.test(cleaned)
    ? cleaned
    : `<!doctype html><html><head></head><body>${cleaned}</body></html>`;
  const document = parseDocument(wrapped);
  if (options.url) setBaseUrl(document, options.url);
  const meta = readMetadata(document);
  protectEmbeddedPosts(document);
  if (streamed && !isProduct) placeStreamedSegments(document, streamedPairs(html));
  revealTabPanels(document);
  removeUnseenText(document.body);
  removeAuthorBoxes(document.body);
  // Readability's scoring is super-linear in nesting depth: 4,000 levels take minutes. Real pages
  // stay under ~100; deeper trees lose their empty wrappers, and if still too deep skip Readability.
  let tooDeep = false;
  if (document.body && maxDepth(document.body) > MAX_DEPTH) {
    unwrapSingleChildWrappers(document.body);
    tooDeep = maxDepth(document.body) > MAX_DEPTH;
  }
  if (isProduct) removeProductControls(document.body);
  if (isProduct) removeStyleHidden(document.body);
  // `og:type` alone is set by a shop's category pages too, whose cards are the page.
  if (isProduct && productSignal !== 'og') removeOtherProductCards(document.body);
  // Read before Readability, which changes the document.
  const containerRaw = tooDeep
    ? { text: '', linkDensity: 0 }
    : containerText(document.body as unknown as ContainerElement, { reviews: isProduct });

  // Readability turns a caption <div> into a <p> without its class: captions and credits go first.
  removeCaptions(document.body);
  removeWidgets(document.body, isProduct, !isArticle);
  // Readability changes the document it reads; the body fallback below parses the page again.
  const article = tooDeep
    ? null
    : new QuickReadability<DomNode>(document as unknown as ConstructorParameters<typeof Readability>[0], {
        serializer: (node) => node as unknown as DomNode,
        // 300 lets a tiny first block win on forum threads and listings (a whole thread shrinks to its
        // first post's 50 words); the class names are kept for pruneArticle's caption/credit selectors.
        charThreshold: 500,
        keepClasses: true,
      }).parse();

  const title = clean(article?.title) ?? meta.title;
  const byline = clean(article?.byline) ?? meta.byline;
  if (article?.content) pruneArticle(article.content as unknown as DomElement);
  const readabilityRaw = article?.content ? toMarkdown(article.content) : '';
  // Sections after a story (other stories, comments) end it: not on a thread, whose replies are the page,
  // nor on a listing (6 or more entries in the container), whose "Most read" box is one more group of entries.
  const endSections = !isThread && (isArticle || listingHeadings(containerRaw.text).length < LISTING_DATES_MIN_ENTRIES);
  const fromReadability = filterLines(readabilityRaw, title, byline, false, endSections);
  const fromContainer = filterLines(containerRaw.text, title, byline, false, endSections);
  const readabilityText = fromReadability.text;
  const container = fromContainer.text;
  let text = readabilityText;
  let filtered = fromReadability;
  let method: Extracted['method'] = text ? 'readability' : 'none';
  if (
    preferContainer(readabilityText, container, isArticle) ||
    (isThread && threadBeside(readabilityText, container))
  ) {
    text = container;
    filtered = fromContainer;
    method = 'container';
  }
  // A listing's entries carry their dates ("March 6, 2026" under each headline): content there, not a
  // story's date stamp. The choice above is made without them.
  if (!isArticle && method !== 'none' && listingHeadings(text).length >= LISTING_DATES_MIN_ENTRIES) {
    filtered = filterLines(
      method === 'container' ? containerRaw.text : readabilityRaw,
      title,
      byline,
      true,
      endSections,
    );
    text = filtered.text;
  }
  if (countWords(text) < 20) {
    const fallback = postProcess(bodyText(parseDocument(wrapped)), title, byline);
    if (countWords(fallback) > countWords(text)) {
      text = fallback;
      method = fallback ? 'body' : 'none';
    }
  }
  if (countWords(text) < 20) {
    const description = descriptionText(meta.description);
    if (countWords(description) > countWords(text)) {
      text = description;
      method = 'description';
    }
  }
  if (isProduct) text = dropRepeatedLines(text);
  if (isThread) text = dropThreadRepeats(text);
  if (isArticle && !isThread) text = dropRepeatedRuns(text);
  if (productText && countWords(text) <= PRODUCT_DESCRIPTION_MAX_WORDS && !containsOpening(text, productText)) {
    text = text ? `${productText}\n\n${text}` : productText;
    if (method === 'none') method = 'description';
  }
  text = dropLeadingTitle(text, title);
  const words = countWords(text);
  const rWords = countWords(readabilityText);
  const cWords = countWords(container);
  const signals: ExtractionSignals = {
    linkDensity: round(containerRaw.linkDensity),
    boilerplateShare: round(filtered.lines ? filtered.dropped / filtered.lines : 0),
    agreement: round(Math.max(rWords, cWords) ? Math.min(rWords, cWords) / Math.max(rWords, cWords) : 0),
    errorPage: words < 150 && ERROR_PAGE.test(`${title ?? ''}\n${text.slice(0, 300)}`),
  };
  return {
    title,
    byline,
    publishedAt: normaliseDate(article?.publishedTime) ?? meta.publishedAt,
    text,
    words,
    method,
    signals,
    ...(options.candidates ? { candidates: { readability: readabilityText, container } } : {}),
  };
}

/**
 * Readability keeps one block; the container keeps every content unit. The container wins when
 * Readability's block is a small part of it (a thread's first post, one listing entry), or when
 * that block is under BLOCK_RATIO of it and not running prose (a product's spec table or review
 * summary, one group of a listing), or under PART_RATIO of it, PART_MIN_MISSING words short and mostly
 * not prose (one group of a documentation index's cards). An article stays Readability's: ARTICLE_PROSE_WORDS or more
 * words of running prose making ARTICLE_PROSE_SHARE of its text, beside which the container adds
 * teasers and link lists; unless the container is running prose too, when what it adds is the
 * other posts of a thread.
 */
export function preferContainer(readability: string, container: string, declaredArticle = true): boolean {
  const ratio = declaredArticle ? CONTAINER_RATIO : CONTAINER_RATIO_NOT_ARTICLE;
  const r = countWords(readability);
  const c = countWords(container);
  if (c < 20) return false;
  // A page with code blocks is documentation (or a thread about code): Readability keeps one of its
  // sections (one command's options, one part of a guide) or loses its headings and notes, while the
  // container holds them all.
  if (codeBlocks(container) >= 1 && r <= CODE_PAGE_RATIO * c) return true;
  // A listing: the container's entries are headlines with a snippet each, and Readability kept one of
  // them (a post's full text) or the page's intro; checked before the article rule, which would keep it.
  if (!declaredArticle && r < LISTING_RATIO * c && isListingBeside(container, readability)) return true;
  const prose = proseWords(readability);
  // Readability's block lies outside the container: a box the container dropped as chrome (a podcast
  // promotion, a "Featured in" sidebar, a category's blurb) beside the entries the container holds, which
  // are no more running prose than that box. (A container of more prose than Readability's block is a
  // landing page whose first sections the container lost.)
  if (
    !declaredArticle &&
    r > 0 &&
    r < DISJOINT_RATIO * c &&
    proseWords(container) * r <= prose * c &&
    sharedShare(readability, container) < DISJOINT_SHARE
  ) {
    return true;
  }
  const article = prose >= ARTICLE_PROSE_WORDS && prose >= ARTICLE_PROSE_SHARE * r;
  if (article && proseWords(container) < PROSE_CONTAINER_SHARE * c) return false;
  // A short block (a page's intro, one card) of a longer container is a fragment of the page.
  if (!declaredArticle && r < SHORT_BLOCK_WORDS && r < SHORT_BLOCK_RATIO * c) return true;
  return (
    r < ratio * c ||
    (r < BLOCK_RATIO * c && prose < BLOCK_PROSE_SHARE * r) ||
    (r < PART_RATIO * c && c - r >= PART_MIN_MISSING && prose < PART_PROSE_SHARE * r)
  );
}
// Measured on the dev sets: 0.2 keeps news at .981; 0.5 on every page costs news .013 (stories whose
// reader comments outweigh them), so articles declared in JSON-LD keep 0.2.
const CONTAINER_RATIO = 0.2;
/**
 * Pages that do not declare themselves articles (forum threads, landing pages of a service, product
 * pages): Readability picks one post or one section of them, and the container wins when Readability's
 * text is under half of it.
 */
const CONTAINER_RATIO_NOT_ARTICLE = 0.5;

const LD_JSON = /<script\b[^>]*\btype\s*=\s*["']?application\/ld\+json[^>]*>([\s\S]*?)<\/script\s*>/gi;
const ARTICLE_TYPE = /"@type"\s*:\s*\[?\s*"(?:\w*NewsArticle|Article|BlogPosting|LiveBlogPosting)"/;

/** The page's JSON-LD (schema.org) says it is an article or a blog post. */
function declaresArticle(html: string): boolean {
  for (const m of html.matchAll(LD_JSON)) if (ARTICLE_TYPE.test(m[1]!)) return true;
  return false;
}

const THREAD_TYPE = /"@type"\s*:\s*\[?\s*"(?:DiscussionForumPosting|QAPage)"/;
const THREAD_MARKUP =
  /\bitemtype\s*=\s*["']?https?:\/\/schema\.org\/(?:DiscussionForumPosting|QAPage|Question)\b|<meta\b[^>]*\bproperty\s*=\s*["']og:type["'][^>]*\bcontent\s*=\s*["']forum\b/i;
const FAQ_MARKUP = /schema\.org\/FAQPage\b|"@type"\s*:\s*\[?\s*"FAQPage"/i;

/**
 * The page says it is a forum thread or a question with its answers: a schema.org
 * `DiscussionForumPosting` or `QAPage` in its JSON-LD or microdata, a microdata `Question` (not a FAQ's),
 * or an `og:type` of `forum`.
 */
function declaresThread(html: string): boolean {
  if (THREAD_MARKUP.test(html)) return !FAQ_MARKUP.test(html);
  for (const m of html.matchAll(LD_JSON)) if (THREAD_TYPE.test(m[1]!)) return true;
  return false;
}

/**
 * On a declared thread, Readability's text is one post (the long first one) of the container's: the
 * container holds its opening and Readability's text is under THREAD_RATIO of it, the rest being the
 * other posts. The container then wins even over running prose (the article rule of preferContainer).
 */
function threadBeside(readability: string, container: string): boolean {
  const r = countWords(readability);
  const c = countWords(container);
  return c >= 20 && r > 0 && r < THREAD_RATIO * c && containsOpening(container, readability);
}
/** Measured on the forum pages: 0.8 .787, 0.6 .789, 0.5 and 0.4 .791, 0.3 .790 (with the repeats rule). */
const THREAD_RATIO = 0.5;

/**
 * The forum software's lines around each post: a line of up to THREAD_REPEAT_WORDS words that appears
 * THREAD_REPEATS times or more in a thread (a poster's badge and stats, a signature, "Like", "Quote")
 * goes, every time. A poster's name followed by the post's date stays, and so does a date.
 */
function dropThreadRepeats(text: string): string {
  const lines = text.split('\n');
  // Code repeats on purpose (the same import in every answer): lines inside fenced blocks are not counted,
  // nor quoted lines, nor the lines they quote.
  let inCode = false;
  const keys = lines.map((line) => {
    if (/^```/.test(line)) {
      inCode = !inCode;
      return '';
    }
    // A quote repeats a post's lines: neither is the software's.
    return inCode || line.startsWith('>') ? '' : normWords(line);
  });
  const counts = new Map<string, number>();
  for (const key of keys) {
    if (key && countWords(key) <= THREAD_REPEAT_WORDS) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const key = keys[i]!;
    // A line that is only a number is a post's vote, like or reply count, or its number in the thread;
    // a poster's presence ("Offline") and the answers' count heading ("3 Answers 3") are the software's too.
    if (key && (NUMBER_LINE.test(lines[i]!) || THREAD_STATUS_LINE.test(lines[i]!))) continue;
    if (key && (counts.get(key) ?? 0) >= THREAD_REPEATS) {
      let next = i + 1;
      while (next < lines.length && !keys[next]) next++;
      const nextBare = next < lines.length ? lines[next]!.replace(/^[#>\-*\s]+/, '').trim() : '';
      const beforeDate = nextBare && isDateLine(nextBare, countWords(nextBare));
      if (!beforeDate && !isDateLine(lines[i]!.trim(), countWords(key))) continue;
    }
    kept.push(lines[i]!);
  }
  return joinLines(kept);
}
const THREAD_STATUS_LINE = /^[\s#>|*-]*(?:offline|online|\d+ answers?(?: \d+)?)\s*$/i;
const NUMBER_LINE = /^[\s#>|*-]*[+-]?\d[\d.,]*[km]?\s*$/i;
const THREAD_REPEATS = 3;
const THREAD_REPEAT_WORDS = 12;

/**
 * A declared article's repeated blocks: a run of two lines or more (REPEATED_RUN_WORDS words or more)
 * that repeats an earlier run line for line, as a share bar or a newsletter box written above and below
 * the story. The later copy goes, and the first too when it stands above the story's first paragraph
 * (a line of PROSE_LINE_WORDS words).
 */
function dropRepeatedRuns(text: string): string {
  const lines = text.split('\n');
  const at: number[] = [];
  const keys: string[] = [];
  lines.forEach((line, i) => {
    const key = normWords(line);
    if (key) {
      at.push(i);
      keys.push(key);
    }
  });
  const storyStart = keys.findIndex((k) => countWords(k) >= PROSE_LINE_WORDS);
  const dropped = new Set<number>();
  const firstPair = new Map<string, number>();
  for (let j = 0; j + 1 < keys.length; j++) {
    const pair = `${keys[j]}\n${keys[j + 1]}`;
    const i = firstPair.get(pair);
    if (i === undefined) {
      firstPair.set(pair, j);
      continue;
    }
    let len = 0;
    let words = 0;
    while (j + len < keys.length && i + len < j && keys[i + len] === keys[j + len]) {
      words += countWords(keys[j + len]!);
      len++;
    }
    if (len < 2 || words < REPEATED_RUN_WORDS) continue;
    for (let k = 0; k < len; k++) {
      dropped.add(at[j + k]!);
      if (storyStart < 0 || i < storyStart) dropped.add(at[i + k]!);
    }
    j += len - 1;
  }
  if (!dropped.size) return text;
  return joinLines(lines.filter((_, i) => !dropped.has(i)));
}
const REPEATED_RUN_WORDS = 5;

const PRODUCT_TYPE = /"@type"\s*:\s*\[?\s*"(?:Product|ProductGroup|IndividualProduct)"/;

const PRODUCT_MICRODATA = /\bitemtype\s*=\s*["']?https?:\/\/schema\.org\/Product\b/i;
const PRODUCT_OG_TYPE = /<meta\b[^>]*\bproperty\s*=\s*["']og:type["'][^>]*\bcontent\s*=\s*["'](?:og:)?product\b/i;

/**
 * A buy button's text, as an element's whole text or a submit button's value: "Add to cart", "Add to
 * basket", "Buy now".
 */
const BUY_BUTTON =
  /(?:>|\bvalue\s*=\s*["'])\s*(?:add to (?:cart|basket|bag|trolley)|buy (?:it )?now|in den warenkorb|ajouter au panier|añadir al carrito|aggiungi al carrello)\s*(?:<|["'])/gi;
/** Most buy buttons of a product page: one per layout (narrow, wide); a listing has one per card. */
const BUY_BUTTONS_MAX = 2;

/**
 * How a page says it is a product's: schema.org markup (JSON-LD or microdata), one or two buy buttons,
 * or only its `og:type`.
 */
type ProductSignal = 'markup' | 'buttons' | 'og';

/**
 * The page says it is a product's: a schema.org `Product` in its JSON-LD or microdata (`markup`), one
 * or two buy buttons (`buttons`: a shop whose pages carry no product markup), or an `og:type` of
 * `product` (`og`); null when it does not.
 */
function declaresProduct(html: string): ProductSignal | null {
  if (PRODUCT_MICRODATA.test(html)) return 'markup';
  for (const m of html.matchAll(LD_JSON)) if (PRODUCT_TYPE.test(m[1]!)) return 'markup';
  const buttons = html.match(BUY_BUTTON)?.length ?? 0;
  if (buttons > 0 && buttons <= BUY_BUTTONS_MAX) return 'buttons';
  if (PRODUCT_OG_TYPE.test(html)) return 'og';
  return null;
}

/** Lines of fewer words may repeat on a product page (a table's "Yes", a section's "Details"). */
const REPEATED_LINE_MIN_WORDS = 3;

/**
 * A product page writes its header block (name, price, colour and size pickers, the short description)
 * twice, for the narrow and the wide layout, and repeats a spec table in a comparison tab: a line of
 * REPEATED_LINE_MIN_WORDS words or more that repeats an earlier line word for word (case and punctuation
 * aside) goes. Only on declared product pages: documentation repeats lines on purpose (a parameter's
 * description under each method) and lost .004 to .02 with it.
 */
function dropRepeatedLines(text: string): string {
  const seen = new Set<string>();
  const kept: string[] = [];
  for (const line of text.split('\n')) {
    const words = line.match(/[\p{L}\p{N}_]+/gu);
    if (words) {
      const key = words.join(' ').toLowerCase();
      if (words.length >= REPEATED_LINE_MIN_WORDS && seen.has(key)) continue;
      seen.add(key);
    }
    kept.push(line);
  }
  return joinLines(kept);
}

/** Fewest words of a product's JSON-LD description worth adding to the text. */
const PRODUCT_DESCRIPTION_MIN_WORDS = 20;
/** A text longer than this is taken to hold the product's description in its own words. */
const PRODUCT_DESCRIPTION_MAX_WORDS = 200;
/** Words of the description's opening looked for in the text. */
const OPENING_WORDS = 8;

/**
 * The longest `description` of a schema.org `Product` (`ProductGroup`, `IndividualProduct`) in the page's
 * JSON-LD, as plain text ('' when none has PRODUCT_DESCRIPTION_MIN_WORDS words). Shops whose scripts write
 * the description (a tab, a drawer, an app) leave it in the body only as script data, and the text
 * extraction found is then the chrome around it: sizes, delivery options, a health claim.
 */
function productDescription(html: string): string {
  let best = '';
  for (const m of html.matchAll(LD_JSON)) {
    if (!PRODUCT_TYPE.test(m[1]!)) continue;
    let data: unknown;
    try {
      data = JSON.parse(m[1]!);
    } catch {
      continue;
    }
    for (const d of productDescriptions(data)) if (d.length > best.length) best = d;
  }
  const text = decodeEntities(best.replace(/<[^>]*>/g, ' '))
    .replace(/[ \t\u00a0]+/g, ' ')
    .replace(/\s*\n\s*/g, '\n')
    .trim();
  return countWords(text) >= PRODUCT_DESCRIPTION_MIN_WORDS ? text : '';
}

const PRODUCT_TYPES = new Set(['Product', 'ProductGroup', 'IndividualProduct']);

/** Every string `description` of a product object anywhere in a JSON-LD value (`@graph`, lists, nesting). */
function productDescriptions(value: unknown, out: string[] = [], depth = 0): string[] {
  if (depth > 20 || !value || typeof value !== 'object') return out;
  if (Array.isArray(value)) {
    for (const v of value) productDescriptions(v, out, depth + 1);
    return out;
  }
  const obj = value as Record<string, unknown>;
  const type = obj['@type'];
  const types = Array.isArray(type) ? type : [type];
  if (types.some((t) => typeof t === 'string' && PRODUCT_TYPES.has(t)) && typeof obj.description === 'string') {
    out.push(obj.description);
  }
  for (const v of Object.values(obj)) if (v && typeof v === 'object') productDescriptions(v, out, depth + 1);
  return out;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[\da-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code > 0 && code < 0x110000 ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/** Whether `text` holds the opening words of `passage` (compared on words, case aside). */
function containsOpening(text: string, passage: string): boolean {
  const words = (s: string) => (s.match(/[\p{L}\p{N}_]+/gu) ?? []).map((w) => w.toLowerCase());
  const opening = words(passage).slice(0, OPENING_WORDS).join(' ');
  return ` ${words(text).join(' ')} `.includes(` ${opening} `);
}

/** On a page with code blocks the container wins unless Readability's text is this much longer. */
const CODE_PAGE_RATIO = 1.1;
const CODE_FENCE = /^```$/gm;

/** Fenced code blocks in a Markdown-style text (toMarkdown writes each `<pre>` as one). */
function codeBlocks(text: string): number {
  return Math.floor((text.match(CODE_FENCE)?.length ?? 0) / 2);
}

/**
 * The container is a listing Readability missed: LISTING_MIN_ENTRIES or more entries (a heading, or a list
 * item opening with one, of
 * LISTING_HEADING_WORDS or more words followed, before the next heading, by a line of LISTING_SNIPPET_WORDS
 * or more: a headline and its snippet, not a product card's name and price), of which Readability's text
 * holds at most LISTING_SHARED_SHARE of the headings.
 */
function isListingBeside(container: string, readability: string): boolean {
  const headings = listingHeadings(container, true);
  if (headings.length < LISTING_MIN_ENTRIES) return false;
  const inReadability = ` ${normWords(readability)} `;
  let shared = 0;
  for (const h of headings) if (inReadability.includes(` ${normWords(h)} `)) shared++;
  return shared <= LISTING_SHARED_SHARE * headings.length;
}
/**
 * The headings of a text's listing entries: a heading of 3+ words followed by a snippet line of 8+ words.
 * With `inItems`, a heading may open a list item (`- ## Title`): a feed written as a `<ul>` of `<li><h2>`
 * entries. (Keeping the date lines of such feeds too lost listing F1: a shop's guide of product
 * sections, an events list.)
 */
function listingHeadings(text: string, inItems = false): string[] {
  const headings: string[] = [];
  let heading: string | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || (inItems && ITEM_HEADING_LINE.test(line))) {
      heading = countWords(line) >= LISTING_HEADING_WORDS ? line : null;
    } else if (heading && countWords(line) >= LISTING_SNIPPET_WORDS) {
      headings.push(heading);
      heading = null;
    }
  }
  return headings;
}
/** A list item that opens with a heading. */
const ITEM_HEADING_LINE = /^\s*(?:[-*]|\d+\.)\s+#/;
/** Listing entries from which the chosen text keeps its date lines. */
const LISTING_DATES_MIN_ENTRIES = 6;
const LISTING_RATIO = 0.9;
const LISTING_MIN_ENTRIES = 6;
const LISTING_HEADING_WORDS = 3;
const LISTING_SNIPPET_WORDS = 8;
const LISTING_SHARED_SHARE = 0.34;

/**
 * Readability's text is a different part of the page from the container's when under DISJOINT_SHARE of
 * its 4-word runs are in the container, and no longer than DISJOINT_RATIO times it.
 */
const DISJOINT_SHARE = 0.6;
const DISJOINT_RATIO = 1.5;

/** The share of `part`'s 4-word runs (counted with their repeats) that `whole` holds. */
function sharedShare(part: string, whole: string): number {
  const runs = (text: string) => {
    const words = normWords(text).split(' ');
    const counts = new Map<string, number>();
    for (let i = 0; i + 4 <= words.length; i++) {
      const key = `${words[i]} ${words[i + 1]} ${words[i + 2]} ${words[i + 3]}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  };
  const p = runs(part);
  const w = runs(whole);
  let total = 0;
  let shared = 0;
  for (const [key, n] of p) {
    total += n;
    shared += Math.min(n, w.get(key) ?? 0);
  }
  return total ? shared / total : 1;
}

/** The text's words (runs of letters and digits), lower-cased, one space apart. */
function normWords(text: string): string {
  return (text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? []).join(' ');
}

const BLOCK_RATIO = 0.6;
const BLOCK_PROSE_SHARE = 0.9;
/**
 * A Readability text that is mostly not running prose (headings, short paragraphs, list entries) and
 * misses a tenth of the container is one group of sibling blocks: the cards of a documentation index,
 * the sections of a landing page.
 */
const PART_RATIO = 0.9;
const PART_PROSE_SHARE = 0.7;
/** Words of the container Readability must miss: a short story's container adds a byline and a credit line. */
const PART_MIN_MISSING = 50;
const ARTICLE_PROSE_WORDS = 250;
const ARTICLE_PROSE_SHARE = 0.8;
const PROSE_CONTAINER_SHARE = 0.85;
/**
 * A Readability text under SHORT_BLOCK_WORDS words and SHORT_BLOCK_RATIO of the container on a page that is
 * not a declared article. Measured (on the pages Readability won): 80 and 0.8 raise documentation .003,
 * product .001, forum .001, service .001; 100 or 120 words cost listing .001, 0.9 costs product.
 */
const SHORT_BLOCK_WORDS = 80;
const SHORT_BLOCK_RATIO = 0.8;

/** A paragraph of running prose: a line of PROSE_LINE_WORDS or more words. */
const PROSE_LINE_WORDS = 20;

/** Words in the text's lines of running prose (paragraphs, not headings, names, prices or table rows). */
function proseWords(text: string): number {
  let n = 0;
  for (const line of text.split('\n')) {
    const w = countWords(line);
    if (w >= PROSE_LINE_WORDS) n += w;
  }
  return n;
}

const round = (v: number) => Math.round(v * 1000) / 1000;

/** Titles and openings of error, login and bot-check pages. */
const ERROR_PAGE =
  /\b(?:404|403|500|502|503)\b.*\b(?:error|not found|forbidden)\b|\bpage not found\b|\bnot found\b|\baccess denied\b|\bforbidden\b|\bservice unavailable\b|\binternal server error\b|\bverify (?:that )?you are (?:a )?human\b|\bare you a robot\b|\bjust a moment\b|\benable (?:javascript|cookies)\b|\bsign in to continue\b|\bpage (?:you requested )?(?:does not|doesn't) exist\b/i;

/** Whether a code point is a word character (`[\p{L}\p{N}_]`), per code unit below 0x10000: 0 not yet known, 1 yes, 2 no. */
const WORD_CHAR = /^[\p{L}\p{N}_]$/u;
const bmpWordChar = new Uint8Array(0x10000);

/**
 * Runs of letters, digits and `_` (the count of `/[\p{L}\p{N}_]+/gu` matches), counted in one scan
 * without building the matches: it runs on every candidate text and line.
 */
export function countWords(text: string): number {
  let words = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let word: boolean;
    if (c < 128) {
      word = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      word = WORD_CHAR.test(text.slice(i, i + 2));
      i++;
    } else {
      let known = bmpWordChar[c]!;
      if (!known) known = bmpWordChar[c] = WORD_CHAR.test(String.fromCharCode(c)) ? 1 : 2;
      word = known === 1;
    }
    if (word && !inWord) words++;
    inWord = word;
  }
  return words;
}

function assertLooksLikeText(html: string): void {
  if (!html.trim()) throw new UnusablePageError('empty page');
  const sample = html.slice(0, 64 * 1024);
  let bad = 0;
  for (let i = 0; i < sample.length; i++) {
    const c = sample.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12) || c === 0xfffd) bad++;
  }
  if (bad / sample.length > 0.05) {
    throw new UnusablePageError(
      `not an HTML page: ${Math.round((100 * bad) / sample.length)}% of the first characters are binary`,
    );
  }
}

/**
 * Embedded posts (tweets, Instagram posts) are material the author quotes, but
 * their wrappers carry class names ("social-embed") that Readability drops as
 * page furniture: clear those names so the quotes stay.
 */
function protectEmbeddedPosts(document: HtmlDocument): void {
  for (const post of Array.from(
    document.querySelectorAll('blockquote.twitter-tweet, blockquote.instagram-media, blockquote.tiktok-embed'),
  )) {
    let el: DomElement | null = post;
    for (let depth = 0; el && depth < 5; depth++, el = el.parentElement) {
      for (const attr of ['class', 'id']) {
        if (/social|share|embed|twitter|instagram/i.test(el.getAttribute(attr) ?? ''))
          el.setAttribute(attr, 'embedded-post');
      }
    }
  }
}

/**
 * The panels of a tab set (`role="tabpanel"`) other than the selected one are hidden until a reader picks
 * their tab: a guide's steps for each language or platform, a product's details. They are the page's
 * content as much as the shown one, so both candidates read them: the `hidden` attribute,
 * `aria-hidden="true"` and an inline `display: none` are taken off every panel.
 */
function revealTabPanels(document: HtmlDocument): void {
  for (const panel of Array.from(document.querySelectorAll('[role=tabpanel]'))) {
    panel.removeAttribute('hidden');
    if (panel.getAttribute('aria-hidden') === 'true') panel.removeAttribute('aria-hidden');
    const style = panel.getAttribute('style');
    if (style && /display\s*:\s*none/i.test(style)) {
      panel.setAttribute('style', style.replace(/display\s*:\s*none\s*(?:!important)?\s*;?/gi, ''));
    }
  }
}

/**
 * React's streamed server rendering (Next.js and other React 18+ frameworks) writes the page's late parts
 * (a story's body behind a Suspense boundary) at the end of the body as `<div hidden id="S:0">`, and a
 * script moves each into its slot: a `<template id="B:0">` (a boundary, after `<!--$?-->`, followed by a
 * fallback such as "Loading..." up to `<!--/$-->`) or a `<template id="P:0">` (a placeholder). Without the
 * script the segment stays hidden, and both candidates read only the fallback: the move is done here.
 */
const STREAMED_SEGMENT = /<div hidden(?:="")? id="S:[0-9a-z]+"/;
const STREAMED_BOUNDARY =
  /<!--\$\?-->\s*<template id="(B:[0-9a-z]+)"><\/template>(?:(?!<!--\/?\$)[\s\S])*?<!--\/\$-->/g;
const STREAMED_TEMPLATE = /<template id="([BP]:[0-9a-z]+)"><\/template>/g;
const STREAMED_CALL = /\$R([CS])\("([BS]:[0-9a-z]+)","([SP]:[0-9a-z]+)"/g;

/** Slots become elements (templates are cut out with scripts); a boundary's fallback goes with its template. */
function markStreamedSlots(html: string): string {
  return html
    .replace(STREAMED_BOUNDARY, '<div data-streamed-slot="$1"></div>')
    .replace(STREAMED_TEMPLATE, '<div data-streamed-slot="$1"></div>');
}

/** Segment id → slot id, from the page's `$RC("B:0","S:0")` and `$RS("S:1","P:1")` calls when it kept them. */
function streamedPairs(html: string): Map<string, string> {
  const pairs = new Map<string, string>();
  for (const [, call, a, b] of html.matchAll(STREAMED_CALL)) {
    if (call === 'C') pairs.set(b!, a!);
    else pairs.set(a!, b!);
  }
  return pairs;
}

/**
 * Each hidden segment takes its slot's place (the slot named by the page's scripts, else `P:` or `B:`
 * with the segment's number); a segment without a slot is shown where it is.
 */
function placeStreamedSegments(document: HtmlDocument, pairs: Map<string, string>): void {
  const slots = new Map<string, DomElement>();
  for (const slot of Array.from(document.querySelectorAll('[data-streamed-slot]'))) {
    slots.set(slot.getAttribute('data-streamed-slot')!, slot);
  }
  const placed = new Set<string>();
  for (const segment of Array.from(document.querySelectorAll('div[hidden]'))) {
    const id = segment.getAttribute('id') ?? '';
    if (!/^S:[0-9a-z]+$/.test(id)) continue;
    // The same segment streamed again (the panels of a tab set before a reader picks one) is shown once.
    const text = normWords(segment.textContent ?? '');
    if (text && placed.has(text)) continue;
    placed.add(text);
    segment.removeAttribute('hidden');
    const n = id.slice(2);
    const slotId = [pairs.get(id), `P:${n}`, `B:${n}`].find((s) => s && slots.has(s));
    if (!slotId) continue;
    const slot = slots.get(slotId)!;
    slots.delete(slotId);
    slot.replaceWith(segment);
  }
}

/** Class names of text for screen readers only (Bootstrap, Tailwind, WordPress, and the like). */
const SCREEN_READER_CLASS =
  /^(?:sr-only|visually-?hidden|u-visually-?hidden|screen-?reader-?(?:text|only)|a11y-hidden|assistive-text)$/i;

/**
 * Text a reader does not see: screen-reader-only labels ("Sale price", "Opens in a new window",
 * "Skip to content") and tooltips (`role="tooltip"`), shown only on hover. Annotators mark what the page
 * shows, and these become stray lines in the middle of the text; they go on every page.
 */
function removeUnseenText(root: DomElement | null): void {
  if (!root) return;
  const selector =
    '[role=tooltip], [class*=sr-only], [class*=isually], [class*=creen-reader], [class*=creenreader], [class*=a11y], [class*=ssistive]';
  for (const el of Array.from(root.querySelectorAll(selector))) {
    if (el.localName === 'body' || el.localName === 'main') continue;
    const classes = (el.getAttribute('class') ?? '').split(/\s+/);
    if (el.getAttribute('role') === 'tooltip' || classes.some((c) => SCREEN_READER_CLASS.test(c))) el.remove();
  }
}

/**
 * An author box under (or beside) a story: the writer's photo, a paragraph about them ("Meghan is a writer
 * specializing in..."), links to their other posts. Running prose that both candidates kept, which
 * annotators leave out; it goes before either reads the page, unless it holds a quarter of the body's text
 * (an author's own page).
 */
const AUTHOR_BOX_CLASS =
  /^(?:author[-_]?(?:bio|box|info|card|details|description|profile|wrap|wrapper|section|block)|about[-_]?(?:the[-_]?)?author|bio[-_]?box|post[-_]?author)$/i;
const AUTHOR_BOX_MAX_SHARE = 0.25;
function removeAuthorBoxes(root: DomElement | null): void {
  if (!root) return;
  const candidates = Array.from(root.querySelectorAll('[class*=uthor], [id*=uthor], [class*=bio], [id*=bio]'));
  if (!candidates.length) return;
  const total = (root.textContent ?? '').length;
  for (const el of candidates) {
    if (el.localName === 'body' || el.localName === 'main' || el.localName === 'article') continue;
    if (!classIdNames(el).some((n) => AUTHOR_BOX_CLASS.test(n))) continue;
    if ((el.textContent ?? '').length >= AUTHOR_BOX_MAX_SHARE * total) continue;
    el.remove();
  }
}

/** The element's class and id names, lower-cased. */
function classIdNames(el: DomElement): string[] {
  return `${el.getAttribute('class') ?? ''} ${el.getAttribute('id') ?? ''}`.toLowerCase().split(/\s+/);
}

const MAX_DEPTH = 400;

/** Deepest element nesting under `root`, walked without recursion. */
function maxDepth(root: DomElement): number {
  let deepest = 0;
  const stack: Array<[DomElement, number]> = [[root, 0]];
  while (stack.length) {
    const [el, depth] = stack.pop()!;
    if (depth > deepest) deepest = depth;
    for (let c = el.firstElementChild; c; c = c.nextElementSibling) stack.push([c, depth + 1]);
  }
  return deepest;
}

const WRAPPERS = new Set(['DIV', 'SPAN', 'SECTION', 'FONT', 'CENTER', 'B', 'I', 'EM', 'STRONG']);

/** Replaces every wrapper element that holds exactly one element and no text by that element. */
function unwrapSingleChildWrappers(root: DomElement): void {
  for (const el of Array.from(root.querySelectorAll('*'))) {
    if (!WRAPPERS.has(el.nodeName.toUpperCase()) || el.children.length !== 1) continue;
    const hasText = Array.from(el.childNodes).some((n) => n.nodeType === 3 && (n.textContent ?? '').trim());
    if (!hasText) el.replaceWith(el.children[0]!);
  }
}

function setBaseUrl(document: HtmlDocument, url: string): void {
  try {
    new URL(url);
  } catch {
    return;
  }
  if (document.querySelector('base[href]')) return;
  const base = document.createElement('base');
  base.setAttribute('href', url);
  document.head?.appendChild(base);
}

/** The page body without navigation, headers, footers and asides: the fallback when no article is found. */
function bodyText(document: HtmlDocument): string {
  const body = document.body;
  if (!body) return '';
  for (const el of Array.from(
    body.querySelectorAll('nav, header, footer, aside, form, [role=navigation], [aria-hidden=true]'),
  )) {
    el.remove();
  }
  return toMarkdown(body);
}

/** Image captions and photo credits (by element or class name). */
function removeCaptions(root: DomElement | null): void {
  if (!root) return;
  for (const el of Array.from(root.querySelectorAll('figcaption, [class*=caption], [class*=credit]'))) {
    if (el.localName !== 'body' && el.localName !== 'main' && el.localName !== 'article') el.remove();
  }
}

/** Class and id words of cookie and consent banners. */
const CONSENT_WORDS = new Set(['cookie', 'cookies', 'consent', 'gdpr', 'cmp']);
/**
 * Class and id words of overlays a script opens or rotates: a side sheet's or a pop-up's text (a shop's
 * rewards terms), a promotion bar (free shipping in every currency). The container drops them as chrome;
 * Readability took them for the article of a shop's category page whose own text is product cards. Only
 * outside the page's `<main>` (a product's details open in a modal there) and not on a page declared an
 * article (a story's wrapper says `modal-enabled`: news F1 fell .007).
 */
const OVERLAY_WORDS = new Set(['modal', 'popup', 'promo']);
/** Inside the page's `<main>` or `[role=main]`: an overlay there holds the page's own text (a size chart, a form). */
function insideMain(el: DomElement): boolean {
  for (let p = el.parentElement; p; p = p.parentElement)
    if (p.localName === 'main' || p.getAttribute('role') === 'main') return true;
  return false;
}
/** A widget holding this share of the page's text or more is the page itself (a review page). */
const WIDGET_PAGE_SHARE = 0.5;

/**
 * Removes what Readability would take for the article on a page whose own text is short or
 * broken into small blocks: dialogs and cookie or consent banners (when no block reaches its
 * threshold, Readability tries again without its filter of unlikely blocks, and the banner's
 * paragraph wins) and, on a page that declares itself a product's (and not an article), customers'
 * reviews and star ratings (running prose under the product) and the shop's disclaimers, footnotes and
 * legal fine print. Known by element, role or class and id words; an
 * element holding half the page's text stays. (Readability drops dialogs as unlikely candidates only on
 * its first pass: on a listing of linked headlines that pass finds too little text, it retries without
 * the rule, and a consent banner's paragraphs about partners and personal data became the article.)
 */
function removeWidgets(root: DomElement | null, isProduct: boolean, overlays: boolean): void {
  if (!root) return;
  const total = (root.textContent ?? '').length;
  const selector =
    'dialog, [role=dialog], [role=alertdialog], [aria-modal=true], [class*=ookie], [id*=ookie], [class*=onsent], [id*=onsent], [class*=gdpr], [id*=gdpr], [class*=cmp], [id*=cmp]' +
    (overlays ? ', [class*=odal], [id*=odal], [class*=opup], [id*=opup], [class*=romo], [id*=romo]' : '') +
    (isProduct
      ? ', [class*=eview], [id*=eview], [class*=ating], [id*=ating], [class*=isclaim], [id*=isclaim], [class*=ootnote], [id*=ootnote], [class*=egal], [id*=egal], [class*=print], [id*=print]'
      : '');
  for (const el of Array.from(root.querySelectorAll(selector))) {
    // The page's own main or article is never a widget, nor the body's root.
    if (!el.parentElement || el.localName === 'main' || el.localName === 'article') continue;
    if (!isWidget(el, isProduct, overlays)) continue;
    if ((el.textContent ?? '').length < WIDGET_PAGE_SHARE * total) el.remove();
  }
}

function isWidget(el: DomElement, isProduct: boolean, overlays: boolean): boolean {
  const role = el.getAttribute('role');
  if (
    el.localName === 'dialog' ||
    role === 'dialog' ||
    role === 'alertdialog' ||
    el.getAttribute('aria-modal') === 'true'
  )
    return true;
  const words = classIdNames(el).flatMap(nameWords);
  if (words.some((w) => CONSENT_WORDS.has(w) || (isProduct && PRODUCT_CHROME_WORDS.has(w)))) return true;
  return overlays && words.some((w) => OVERLAY_WORDS.has(w)) && !insideMain(el);
}

/** A form control holding this share of the page's text or more is not a widget (a page wrapped in one). */
const CONTROL_PAGE_SHARE = 0.2;

/**
 * On a page that declares itself a product's, its form controls are the shop's, not the product's text:
 * the size and colour pickers (`<select>` and its options, swatch `<button>`s and `<label>`s), the quantity
 * field and the add-to-cart and wishlist buttons. They go before either candidate reads the page. A control
 * holding CONTROL_PAGE_SHARE of the page's text stays. (Removing whole `<form>`s, elements whose class names
 * say price, cart, stock or shipping, or `itemprop=offers` gained nothing more on the dev set: annotators keep
 * the price and some variant lists.)
 */
function removeProductControls(root: DomElement | null): void {
  if (!root) return;
  const total = (root.textContent ?? '').length;
  for (const el of Array.from(root.querySelectorAll('select, button, input, textarea, label'))) {
    if ((el.textContent ?? '').length < CONTROL_PAGE_SHARE * total) el.remove();
  }
}

/** An inline style that hides the element: `display: none` or `visibility: hidden`. */
const HIDDEN_STYLE = /(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)\b/i;
/**
 * Class and id words of a disclosure's body (an accordion's or a tab's panel, a FAQ's answer, a "read more"
 * text): hidden until a reader opens it, and the page's own text all the same.
 */
const DISCLOSURE_WORD = /^(?:accordion|collaps|expand|answer|panel|pane|tab|content|faq|detail|description)/;
/** Most words of a hidden element that goes: a message, a form, a menu; a longer one is text a reader opens. */
const HIDDEN_MAX_WORDS = 200;

/**
 * On a page that declares itself a product's, what its inline style hides waits for a script to show it:
 * a shop's error and success messages ("Oops! Something went wrong"), the back-in-stock and password
 * forms, sub-menus, the rows of a table past "See all", a second copy of the price. Annotators mark what
 * the page shows, so an element hidden by `display: none` or `visibility: hidden` goes before either
 * candidate reads the page, unless it is a disclosure's body (DISCLOSURE_WORD in its class or id words:
 * an accordion's FAQ answers, a collapsed description) or holds more than HIDDEN_MAX_WORDS words (text a
 * reader opens) or CONTROL_PAGE_SHARE of the page's text. Tab panels were revealed before.
 */
function removeStyleHidden(root: DomElement | null): void {
  if (!root) return;
  const total = (root.textContent ?? '').length;
  for (const el of Array.from(root.querySelectorAll('[style]'))) {
    if (el.localName === 'body' || el.localName === 'main' || !HIDDEN_STYLE.test(el.getAttribute('style') ?? ''))
      continue;
    if (
      classIdNames(el)
        .flatMap(nameWords)
        .some((w) => DISCLOSURE_WORD.test(w))
    )
      continue;
    const text = el.textContent ?? '';
    if (text.length < CONTROL_PAGE_SHARE * total && countWords(text) <= HIDDEN_MAX_WORDS) el.remove();
  }
}

/**
 * A price as shops write it: a currency sign or code before or after the amount ("$19.99", "€12,00",
 * "12,00 €", "USD 5", "149 kr").
 */
const PRICE =
  /(?:[$€£¥₹₩]|\b(?:US\$|USD|EUR|GBP|CAD|AUD|CHF|Rs\.?))\s?\d(?:[\d.,']*\d)?|(?:^|[^\p{L}\d])\d(?:[\d.,']*\d)?\s?(?:[€£$₽₺]|zł|kr|Kč|lei|USD|EUR|GBP)(?!\p{L})/iu;
/** Fewest sibling cards (a short name and a price) that make a row of other products. */
const OTHER_CARDS_MIN = 3;
/** Most words of one product card: a name, a price, a rating, a badge. */
const CARD_MAX_WORDS = 40;

/**
 * A product card: a short name and a price, as in a carousel of related, recommended or recently viewed
 * products. Table rows and list options are a product's own price list, not cards.
 */
function isProductCard(el: DomElement): boolean {
  if (el.localName === 'tr' || el.localName === 'option') return false;
  const text = (el.textContent ?? '').replace(/\s+/g, ' ').trim();
  const m = PRICE.exec(text);
  if (!m) return false;
  const words = countWords(text);
  if (words > CARD_MAX_WORDS) return false;
  // A name besides the price: a word of three letters or more outside it.
  const rest = text.slice(0, m.index) + ' ' + text.slice(m.index + m[0].length);
  return /\p{L}{3,}/u.test(rest);
}

/**
 * On a product page, a run of OTHER_CARDS_MIN or more sibling product cards (each a short name and a
 * price line) shows other products: related, recommended, "customers also bought", recently viewed.
 * The page's own product has one name and one price block, not a row of them; the cards go before
 * either candidate reads the page (their section often has no heading that says what it is).
 */
function removeOtherProductCards(root: DomElement | null): void {
  if (!root) return;
  const chars = textLengths(root);
  const removed: DomElement[] = [];
  // Parents before their children: a run found higher up is removed whole.
  const stack: DomElement[] = [root];
  while (stack.length) {
    const parent = stack.pop()!;
    const kids = Array.from(parent.children);
    const cards = new Set<DomElement>();
    let run: DomElement[] = [];
    const flush = () => {
      if (run.length >= OTHER_CARDS_MIN) for (const card of run) cards.add(card);
      run = [];
    };
    for (const kid of kids) {
      // Only short elements are read whole: a page's text is read once, not once per ancestor.
      if ((chars.get(kid) ?? 0) <= CARD_MAX_CHARS && isProductCard(kid)) run.push(kid);
      else flush();
    }
    flush();
    for (const kid of kids) {
      if (cards.has(kid)) removed.push(kid);
      else stack.push(kid);
    }
  }
  for (const card of removed) card.remove();
}
/** Characters (without spaces) of a card's text: CARD_MAX_WORDS words of a long-worded language. */
const CARD_MAX_CHARS = 400;

/** Characters (without spaces) of text under each element, in one walk without recursion. */
function textLengths(root: DomElement): Map<DomElement, number> {
  const lengths = new Map<DomElement, number>();
  const order: DomElement[] = [];
  const stack: DomElement[] = [root];
  while (stack.length) {
    const el = stack.pop()!;
    order.push(el);
    for (let c = el.firstElementChild; c; c = c.nextElementSibling) stack.push(c);
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const el = order[i]!;
    let n = 0;
    const kids = el.childNodes;
    for (let k = 0; k < kids.length; k++) {
      const node = kids[k]!;
      if (node.nodeType === 3) n += (node.textContent ?? '').replace(/\s+/g, '').length;
      else if (node.nodeType === 1) n += lengths.get(node as DomElement) ?? 0;
    }
    lengths.set(el, n);
  }
  return lengths;
}

/** Text length inside links over total text length. */
function linkDensity(el: DomElement): number {
  const total = (el.textContent ?? '').replace(/\s+/g, '').length;
  if (!total) return 0;
  let linked = 0;
  for (const a of Array.from(el.querySelectorAll('a'))) linked += (a.textContent ?? '').replace(/\s+/g, '').length;
  return linked / total;
}

/**
 * Removes what Readability keeps but training data does not want: lists and
 * short blocks made of links (related stories, breadcrumbs, tag clouds) and
 * image captions and credits.
 */
function pruneArticle(root: DomElement): void {
  removeCaptions(root);
  for (const list of Array.from(root.querySelectorAll('ul, ol'))) {
    if (linkDensity(list) >= 0.7) list.remove();
  }
  for (const el of Array.from(root.querySelectorAll('p, li, h2, h3, h4, h5, h6, div'))) {
    const words = countWords(el.textContent ?? '');
    if (words > 0 && words < 30 && linkDensity(el) >= 0.8) el.remove();
  }
}

function postProcess(text: string, title: string | null = null, byline: string | null = null): string {
  return filterLines(text, title, byline).text;
}

/** A heading's line, its level the number of `#`; after a list item's marker when the heading is inside one. */
const HEADING_LINE = /^(?:\s*(?:[-*]|\d+\.)\s+)?(#{1,6})\s/;

/** The boilerplate line filters; also counts the non-empty lines seen and dropped. */
function filterLines(
  text: string,
  title: string | null = null,
  byline: string | null = null,
  keepDates = false,
  endSections = false,
): { text: string; lines: number; dropped: number } {
  const lines = text.split('\n');
  let seen = 0;
  const kept: string[] = [];
  const norm = (v: string) =>
    v
      .replace(/[^\p{L}\p{N}]+/gu, ' ')
      .trim()
      .toLowerCase();
  const titleNorm = title ? norm(title) : '';
  const bylineNorm = byline ? norm(byline) : '';
  let inRelated = false;
  /** Inside a section of other products or after a story: the level of its heading (0 when not). */
  let otherProductsLevel = 0;
  let seenText = 0;
  for (const line of lines) {
    const bare = line
      .replace(/^[#>\-*\s\d.|]+(?=\S)/, '')
      .replace(/[\s|]+$/, '')
      .trim();
    const isListItem = /^\s*(?:[-*]|\d+\.)\s/.test(line);
    if (!bare) {
      kept.push(line);
      continue;
    }
    seen++;
    // A heading inside a list item ("- ## You may also like", a card's "- ### Name") is a heading too.
    const level = HEADING_LINE.exec(line)?.[1]!.length ?? 0;
    if (otherProductsLevel && (!level || level > otherProductsLevel)) continue;
    otherProductsLevel = 0;
    if (level && (OTHER_PRODUCTS_HEADING.test(bare) || CUSTOMER_SECTION_HEADING.test(bare))) {
      otherProductsLevel = level;
      continue;
    }
    if (endSections && level && seenText >= STORY_END_MIN_LINES && STORY_END_HEADING.test(bare)) {
      otherProductsLevel = level;
      continue;
    }
    if (inRelated && isListItem) continue;
    inRelated = false;
    const words = countWords(bare);
    if (bare.length < 80 && BOILERPLATE_LINE.test(bare)) continue;
    if (OUTDATED_BROWSER_LINE.test(bare)) continue;
    if (words <= 12 && RELATED_LINE.test(bare)) {
      inRelated = true;
      continue;
    }
    if (words <= 12 && CREDIT_LINE.test(bare) && !/[.!?]$/.test(bare)) continue;
    if (words <= 12 && isThreadChrome(bare)) continue;
    if (!keepDates && isDateLine(bare, words)) continue;
    // Before the body starts, the page repeats its title and byline (often inside breadcrumbs).
    if (seenText < 2) {
      const n = norm(bare);
      if (titleNorm && n.includes(titleNorm) && words <= countWords(titleNorm) + 6) continue;
      if (bylineNorm && n.includes(bylineNorm) && words <= countWords(bylineNorm) + 6) continue;
    }
    if (words >= 8) seenText++;
    kept.push(line);
  }
  const out = joinLines(kept);
  return { text: out, lines: seen, dropped: seen - kept.filter((l) => l.trim()).length };
}

/** The annotated body leaves the headline out, and so does the chunker's input: it is the title field. */
function dropLeadingTitle(text: string, title: string | null): string {
  if (!title) return text;
  const first = text.split('\n', 1)[0] ?? '';
  const norm = (s: string) =>
    s
      .replace(/^#+\s*/, '')
      .replace(/\W+/g, ' ')
      .trim()
      .toLowerCase();
  if (norm(first) && norm(first) === norm(title)) return text.slice(first.length).replace(/^\n+/, '');
  return text;
}

interface PageMetadata {
  title: string | null;
  byline: string | null;
  publishedAt: string | null;
  description: string | null;
}

/** Fewest words of a meta description that stands in for an empty body. */
const DESCRIPTION_MIN_WORDS = 20;

/**
 * The meta description as the page's text, when it is long enough to be one ('' otherwise). Pages that
 * scripts write (Discourse threads, single-page apps) arrive with an empty body, and their description is
 * then the only text they carry: often the opening of the first post, cut with an ellipsis.
 */
function descriptionText(description: string | null): string {
  const text = (description ?? '').replace(/(?:\.\.\.|…|&hellip;)\s*$/, '').trim();
  return countWords(text) >= DESCRIPTION_MIN_WORDS ? text : '';
}

/** Metadata selectors, tried in order: the first element of each (in document order) whose `content` is not empty wins. */
const TITLE_META: Array<[string, string]> = [
  ['property', 'og:title'],
  ['name', 'twitter:title'],
];
const BYLINE_META: Array<[string, string]> = [
  ['name', 'author'],
  ['property', 'article:author'],
];
const DESCRIPTION_META: Array<[string, string]> = [
  ['property', 'og:description'],
  ['name', 'twitter:description'],
  ['name', 'description'],
];
const DATE_META: Array<[string, string]> = [
  ['property', 'article:published_time'],
  ['name', 'date'],
  ['itemprop', 'datePublished'],
  ['name', 'pubdate'],
];

/**
 * Title, byline and date from the page's metadata. One query finds every element it reads; the
 * result is that of one `querySelector` per selector (`meta[property="og:title"]`, ..., `h1`,
 * `title`, `time[datetime]`), each of which walks the whole document.
 */
function readMetadata(document: HtmlDocument): PageMetadata {
  const metas: DomElement[] = [];
  let h1: DomElement | null = null;
  let titleEl: DomElement | null = null;
  let time: DomElement | null = null;
  for (const el of Array.from(document.querySelectorAll('meta, h1, title, time'))) {
    const name = el.localName.toLowerCase();
    if (name === 'meta') metas.push(el);
    else if (name === 'h1') h1 ??= el;
    else if (name === 'title') titleEl ??= el;
    else if (!time && el.getAttribute('datetime') !== null) time = el;
  }
  const metaContent = (selectors: Array<[string, string]>) => {
    for (const [attr, value] of selectors) {
      const v = clean(metas.find((m) => m.getAttribute(attr) === value)?.getAttribute('content'));
      if (v) return v;
    }
    return null;
  };
  return {
    title: metaContent(TITLE_META) ?? clean(h1?.textContent) ?? clean(titleEl?.textContent),
    byline: metaContent(BYLINE_META),
    description: metaContent(DESCRIPTION_META),
    publishedAt: normaliseDate(metaContent(DATE_META) ?? time?.getAttribute('datetime')),
  };
}

function clean(value: string | null | undefined): string | null {
  const v = value?.replace(/\s+/g, ' ').trim();
  return v ? v : null;
}

function normaliseDate(value: string | null | undefined): string | null {
  if (!value) return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

/** Lines written back as text: at most one empty line between blocks, none at either end. */
function joinLines(lines: string[]): string {
  return lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
