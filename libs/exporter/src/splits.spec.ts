import { describe, expect, it } from 'vitest';
import { assignSplit, domainPoint } from './splits.js';

const RATIOS = { train: 0.8, validation: 0.1, test: 0.1 };
const domains = Array.from({ length: 2000 }, (_, i) => `site${i}.example`);

describe('domain splits', () => {
  it('assigns a domain the same split every time for a seed, and another seed reshuffles', () => {
    const a = domains.map((d) => assignSplit(d, RATIOS, 42));
    expect(domains.map((d) => assignSplit(d, RATIOS, 42))).toEqual(a);
    const b = domains.map((d) => assignSplit(d, RATIOS, 43));
    expect(b).not.toEqual(a);
  });

  it('follows the ratios over many domains', () => {
    const counts = { train: 0, validation: 0, test: 0 };
    for (const d of domains) counts[assignSplit(d, RATIOS, 1)]++;
    expect(counts.train / domains.length).toBeCloseTo(0.8, 1);
    expect(counts.validation / domains.length).toBeCloseTo(0.1, 1);
    expect(counts.test / domains.length).toBeCloseTo(0.1, 1);
  });

  it('never picks a split whose ratio is 0', () => {
    for (const d of domains) expect(assignSplit(d, { train: 0.7, validation: 0, test: 0.3 }, 5)).not.toBe('validation');
    for (const d of domains) expect(assignSplit(d, { train: 1, validation: 0, test: 0 }, 5)).toBe('train');
  });

  it('maps into [0, 1)', () => {
    for (const d of domains.slice(0, 100)) {
      const x = domainPoint(d, 0);
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
  });
});
