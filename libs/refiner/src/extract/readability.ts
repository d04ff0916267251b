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
  REGEXPS: { byline: RegExp };
  _isProbablyVisible(node: CheckedNode): boolean;
}

const original = Readability.prototype as unknown as ReadabilityInternals;

export class QuickReadability<T> extends Readability<T> {
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
