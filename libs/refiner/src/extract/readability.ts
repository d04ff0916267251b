/**
 * Readability (@mozilla/readability 0.6) with two of its per-node checks made cheaper on linkedom,
 * with the same results. `_grabArticle` calls both on every node it walks, on each of its (up to
 * four) attempts:
 *
 * - `_isValidByline` reads `node.textContent` before it looks at the node's attributes; on linkedom
 *   that walks the whole subtree, so the walk over a page costs its size times its depth. Here the
 *   text is read only for the nodes whose attributes or class name make them a byline candidate.
 * - `_isProbablyVisible` reads `node.style`, which linkedom builds as a Proxy over a Map that parses
 *   the `style` attribute. Without a `style` attribute both of the values it reads are ''; only
 *   elements that have one go through the original check.
 *
 * extract.spec.ts checks that both give what the original gives.
 */
import { Readability } from '@mozilla/readability';

interface CheckedNode {
  textContent: string | null;
  className?: string;
  getAttribute(name: string): string | null;
  hasAttribute(name: string): boolean;
}

interface ReadabilityInternals {
  REGEXPS: { byline: RegExp; normalize: RegExp };
  _isProbablyVisible(node: CheckedNode): boolean;
  _getAllNodesWithTag(node: unknown, tagNames: string[]): ArrayLike<unknown>;
  _docJSDOMParser?: unknown;
}

type FilterFn = (this: unknown, node: TextNode, index: number, list: ArrayLike<TextNode>) => boolean;

interface TextNode {
  textContent: string | null;
  parentNode: TextNode | null;
  removeChild?(node: TextNode): void;
}

/** The parts of a (linkedom) element the tree walks below read. */
interface TreeElement {
  nodeType: number;
  localName: string;
  firstElementChild: TreeElement | null;
  nextElementSibling: TreeElement | null;
  parentElement: TreeElement | null;
}

const original = Readability.prototype as unknown as ReadabilityInternals;

interface WalkNode {
  nodeType: number;
  textContent: string | null;
  firstChild: WalkNode | null;
  nextSibling: WalkNode | null;
  parentNode: WalkNode | null;
}

const NOT_SPACE = /\S/;

/** Whether any text (or CDATA) node under `root` has a character other than white space. */
function hasText(root: WalkNode): boolean {
  let n = root.firstChild;
  while (n) {
    if (n.nodeType === 3 || n.nodeType === 4) {
      if (NOT_SPACE.test(n.textContent ?? '')) return true;
    } else if (n.nodeType === 1) {
      const down = n.firstChild;
      if (down) {
        n = down;
        continue;
      }
    }
    let next: WalkNode | null = null;
    for (let up: WalkNode | null = n; up && up !== root && !next; up = up.parentNode) next = up.nextSibling;
    n = next;
  }
  return false;
}

export class QuickReadability<T> extends Readability<T> {
  /**
   * While `_removeNodes` runs its filter over a node list: the text of the nodes read so far
   * (`textContent`, trimmed), so that a node's text is read from the tree once, not once per check.
   */
  private textMemo: Map<TextNode, string> | null = null;

  _getInnerText(e: TextNode, normalizeSpaces?: boolean): string {
    let text: string | undefined;
    const memo = this.textMemo;
    if (memo) {
      text = memo.get(e);
      if (text === undefined) memo.set(e, (text = (e.textContent ?? '').trim()));
    } else {
      text = (e.textContent ?? '').trim();
    }
    const normalize = normalizeSpaces === undefined ? true : normalizeSpaces;
    return normalize ? text.replace((this as unknown as ReadabilityInternals).REGEXPS.normalize, ' ') : text;
  }

  /**
   * Readability's `_removeNodes` (the filters of `_cleanConditionally`, `_clean`, `_cleanHeaders` and
   * `_prepArticle` read the tree and do not change it), with `_getInnerText` remembering texts for
   * its length. Removing a node changes the text of its ancestors only: their entries go with it.
   */
  _removeNodes(nodeList: ArrayLike<TextNode> & { _isLiveNodeList?: boolean }, filterFn?: FilterFn): void {
    if (this._docJSDOMParserActive() && nodeList._isLiveNodeList) {
      throw new Error('Do not pass live node lists to _removeNodes');
    }
    const outer = this.textMemo;
    const memo = filterFn ? new Map<TextNode, string>() : null;
    this.textMemo = memo;
    try {
      for (let i = nodeList.length - 1; i >= 0; i--) {
        const node = nodeList[i]!;
        const parentNode = node.parentNode;
        if (!parentNode) continue;
        if (!filterFn || filterFn.call(this, node, i, nodeList)) {
          if (memo) for (let p: TextNode | null = parentNode; p; p = p.parentNode) memo.delete(p);
          parentNode.removeChild!(node);
        }
      }
    } finally {
      this.textMemo = outer;
    }
  }

  private _docJSDOMParserActive(): boolean {
    return !!(this as unknown as ReadabilityInternals)._docJSDOMParser;
  }

  /**
   * `querySelectorAll('p,li,...')` compiles the selector list with css-select on every call and
   * matches every element with it; Readability calls it with lists of tag names only, on every
   * candidate node. The same elements, in document order, by a walk that compares tag names (lower
   * case, as css-select does in an HTML document; the contents of a `<template>` are not walked, as
   * linkedom's querySelectorAll does not).
   */
  _getAllNodesWithTag(node: TreeElement, tagNames: string[]): ArrayLike<unknown> {
    // An element or the document (whose walk starts at <html>).
    if (node.nodeType !== 1 && node.nodeType !== 9) return original._getAllNodesWithTag.call(this, node, tagNames);
    const tags = new Set(tagNames.map((t) => t.toLowerCase()));
    const found: TreeElement[] = [];
    let el = node.firstElementChild;
    while (el) {
      const name = el.localName;
      if (tags.has(name) || tags.has(name.toLowerCase())) found.push(el);
      const down = name === 'template' ? null : el.firstElementChild;
      if (down) {
        el = down;
        continue;
      }
      let next: TreeElement | null = null;
      for (let up: TreeElement | null = el; up && up !== node && !next; up = up.parentElement) {
        next = up.nextElementSibling;
      }
      el = next;
    }
    return found;
  }

  /**
   * Readability's check that an element has no text (`!textContent.trim()`) and no children but
   * `<br>` and `<hr>`, run on every `<div>`, `<section>` and heading it walks: the text is looked at
   * only until its first character that is not white space (the characters `trim` removes are those
   * of `\s`), not gathered for the whole subtree.
   */
  _isElementWithoutContent(
    node: WalkNode & { children: ArrayLike<unknown>; getElementsByTagName(tag: string): ArrayLike<unknown> },
  ): boolean {
    return (
      node.nodeType === 1 &&
      !hasText(node) &&
      (!node.children.length ||
        node.children.length == node.getElementsByTagName('br').length + node.getElementsByTagName('hr').length)
    );
  }

  _isValidByline(node: CheckedNode, matchString: string): boolean {
    const rel = node.getAttribute('rel');
    const itemprop = node.getAttribute('itemprop');
    if (!(rel === 'author' || (itemprop && itemprop.includes('author')) || original.REGEXPS.byline.test(matchString)))
      return false;
    const bylineLength = (node.textContent ?? '').trim().length;
    return !!bylineLength && bylineLength < 100;
  }

  _isProbablyVisible(node: CheckedNode): boolean {
    if (node.getAttribute('style') !== null) return original._isProbablyVisible.call(this, node);
    return (
      !node.hasAttribute('hidden') &&
      (!node.hasAttribute('aria-hidden') ||
        node.getAttribute('aria-hidden') != 'true' ||
        !!(node.className && node.className.includes && node.className.includes('fallback-image')))
    );
  }
}
