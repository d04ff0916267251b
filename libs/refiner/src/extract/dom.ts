/**
 * linkedom's EventTarget constructor, which runs for every node (element, text, attribute, comment),
 * stores a new Map for the node's listeners in a module-wide WeakMap. Parsing a page and
 * Readability's work on it create tens of thousands of nodes: those entries were about a tenth of
 * an extraction's time, and more in garbage collection. Extraction never listens to events, so
 * while it runs, nodes are built without that entry (the constructor chain skips EventTarget's).
 *
 * Nodes created inside `withoutEventListeners` must not get event listeners (linkedom's
 * addEventListener would find no entry and throw); they must not leave the call. Outside the call
 * linkedom is unchanged. A linkedom whose Node no longer extends EventTarget directly is left alone.
 */
import { EventTarget, Node } from 'linkedom';

const linkedomNode = (Node as unknown as { prototype: { constructor: object } }).prototype.constructor;
const applies = Object.getPrototypeOf(linkedomNode) === EventTarget;

/** Stands in for EventTarget as Node's parent class: constructs nothing. */
function NoListenerRegistry(): void {}
NoListenerRegistry.prototype = EventTarget.prototype;

let depth = 0;

/** Runs `fn` (synchronous) with linkedom nodes built without a listener registry. */
export function withoutEventListeners<T>(fn: () => T): T {
  if (!applies) return fn();
  if (depth++ === 0) Object.setPrototypeOf(linkedomNode, NoListenerRegistry);
  try {
    return fn();
  } finally {
    if (--depth === 0) Object.setPrototypeOf(linkedomNode, EventTarget);
  }
}
