/**
 * Finds the JSON value in a model's reply, tolerating what models wrap it in:
 * code fences, a sentence before or after, a BOM. Returns undefined when
 * there is no JSON object or array in it.
 */
export function extractJson(reply: string): { value: unknown } | undefined {
  const text = reply.replace(/^\uFEFF/, '').trim();
  if (!text) return undefined;
  const direct = tryParse(text);
  if (direct) return direct;
  // ```json ... ``` (or bare ```) blocks, first one that parses.
  for (const m of text.matchAll(/```[a-zA-Z0-9_-]*\s*\n?([\s\S]*?)```/g)) {
    const fenced = tryParse(m[1]!.trim());
    if (fenced) return fenced;
  }
  // The first top-level balanced {...} or [...] that parses. Never one nested inside another: an outer
  // value that is cut off or broken would otherwise yield one of its inner examples as if it were the reply.
  for (let start = 0; start < text.length; start++) {
    const c = text[start];
    if (c !== '{' && c !== '[') continue;
    const end = matchingBracket(text, start);
    if (end === -1) return undefined; // cut off: the rest is inside it
    const found = tryParse(text.slice(start, end + 1));
    if (found) return found;
    start = end;
  }
  return undefined;
}

function tryParse(text: string): { value: unknown } | undefined {
  if (!text.startsWith('{') && !text.startsWith('[')) return undefined;
  try {
    return { value: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

/** Index of the bracket closing the one at `start`, skipping strings; -1 when unbalanced. */
function matchingBracket(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}
