import { describe, expect, it } from 'vitest';
import { SplitGrouper } from './split-hygiene.js';
import { assignSplit } from './splits.js';

const RATIOS = { train: 0.5, validation: 0, test: 0.5 };
const SEED = 42;

/** Distinct texts: twelve words picked by a fixed pseudo-random sequence from the number, so no two are near. */
const WORDS = (
  'ownership borrowing lifetimes traits closures iterators macros modules crates cargo testing errors ' +
  'vectors strings hashmaps generics patterns enums structs slices threads channels mutex async futures ' +
  'unsafe pointers boxes references smart drop clone copy match loops ranges tuples arrays options results'
).split(' ');
function text(i: number): string {
  let x = (i + 1) * 2654435761;
  const out: string[] = [];
  for (let k = 0; k < 12; k++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out.push(WORDS[x % WORDS.length]!);
  }
  return `Question ${i}: ${out.slice(0, 6).join(' ')}? Answer: ${out.slice(6).join(' ')}.`;
}

/** Two domains that the seed alone puts in different splits. */
function crossingDomains(): [string, string] {
  const domains = Array.from({ length: 200 }, (_, i) => `mirror${i}.example`);
  const a = domains.find((d) => assignSplit(d, RATIOS, SEED) === 'train')!;
  const b = domains.find((d) => assignSplit(d, RATIOS, SEED) === 'test')!;
  return [a, b];
}

async function plan(grouper: SplitGrouper, texts: Map<string, string>) {
  return grouper.plan(RATIOS, SEED, async (ids) => new Map(ids.map((id) => [id, texts.get(id)!])));
}

describe('split hygiene (SplitGrouper)', () => {
  it('keeps planted near-duplicates on two domains in one split and reports the pairs that would have crossed', async () => {
    const [a, b] = crossingDomains();
    const texts = new Map<string, string>();
    const g = new SplitGrouper(0.9);
    const add = (id: string, domain: string, t: string) => {
      texts.set(id, t);
      g.add(id, domain, t);
    };
    for (let i = 0; i < 60; i++) add(`x${i}`, `site${i % 12}.example`, text(i));
    // Planted: the same page text on two sites, one with a changed word and punctuation.
    const original = 'What does the borrow checker enforce? That every reference is valid for as long as it is used.';
    add('p1', a, original);
    add('p2', b, original.replace('enforce?', 'enforce ?').replace('valid', 'valid,'));
    // An exact copy on a third domain links it into the same group.
    add('p3', 'syndicated.example', original);
    // A near-duplicate within one domain: never a crossing (one domain, one split).
    add('q1', 'site3.example', `${text(3)} Indeed.`);

    const { splitOf, report } = await plan(g, texts);
    expect(report.examples).toBe(64);
    expect(report.pairs).toBe(3);
    expect(report.groups).toEqual([{ domains: [a, b, 'syndicated.example'].sort(), pairs: 3, split: splitOf(a) }]);
    expect(splitOf(a)).toBe(splitOf(b));
    expect(splitOf('syndicated.example')).toBe(splitOf(a));
    expect(report.wouldHaveCrossed).toBeGreaterThanOrEqual(1);
    expect(report.crossing).toBe(0);
    // Domains linked to nothing keep the split the seed gives them.
    for (let i = 0; i < 12; i++)
      expect(splitOf(`site${i}.example`)).toBe(assignSplit(`site${i}.example`, RATIOS, SEED));
  });

  it('finds nothing among distinct examples, and a looser threshold catches what a strict one leaves', async () => {
    const texts = new Map<string, string>();
    const strict = new SplitGrouper(0.95);
    const loose = new SplitGrouper(0.5);
    for (let i = 0; i < 100; i++) {
      texts.set(`x${i}`, text(i));
      strict.add(`x${i}`, `d${i}.example`, text(i));
      loose.add(`x${i}`, `d${i}.example`, text(i));
    }
    const near = `${text(7)} Also see chapter four of the book for the details of it.`;
    texts.set('n', near);
    strict.add('n', 'other.example', near);
    loose.add('n', 'other.example', near);
    const s = await plan(strict, texts);
    const l = await plan(loose, texts);
    expect(s.report).toMatchObject({ examples: 101, pairs: 0, groups: [], wouldHaveCrossed: 0, crossing: 0 });
    expect(l.report.pairs).toBeGreaterThanOrEqual(1);
    expect(
      l.report.groups.some((grp) => grp.domains.includes('other.example') && grp.domains.includes('d7.example')),
    ).toBe(true);
    expect(l.splitOf('other.example')).toBe(l.splitOf('d7.example'));
    expect(l.report.crossing).toBe(0);
  });

  it('links a long run of copies on many domains without comparing every pair with every other', async () => {
    const texts = new Map<string, string>();
    const g = new SplitGrouper(0.9);
    const copy = 'This page is a copy of the same documentation text that every mirror serves verbatim.';
    for (let i = 0; i < 300; i++) {
      texts.set(`c${i}`, copy);
      g.add(`c${i}`, `mirror${i}.example`, copy);
    }
    const { splitOf, report } = await plan(g, texts);
    expect(report.groups).toHaveLength(1);
    expect(report.groups[0]!.domains).toHaveLength(300);
    const splits = new Set(Array.from({ length: 300 }, (_, i) => splitOf(`mirror${i}.example`)));
    expect(splits.size).toBe(1);
    expect(report.crossing).toBe(0);
    // Each copy is compared with at most 4 earlier ones per band, not with all 299.
    expect(report.pairs).toBeLessThanOrEqual(300 * 4);
  });
});
