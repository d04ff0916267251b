import { createHash } from 'node:crypto';
import type { SplitRatios } from './config.js';
import type { SplitName } from './formats.js';

/**
 * A number in [0, 1) that depends only on the seed and the domain: the same
 * domain lands in the same split on every run and every machine.
 */
export function domainPoint(domain: string, seed: number): number {
  const digest = createHash('sha256').update(`${seed}\u0000${domain}`).digest();
  return digest.readUInt32BE(0) / 2 ** 32;
}

/**
 * The split of every example from `domain`. Examples are grouped by source
 * domain, so no page (and no site) is in two splits; the shares of examples
 * per split follow the ratios only roughly, and with few domains a split may
 * stay empty (the card gives the actual counts).
 */
export function assignSplit(domain: string, ratios: SplitRatios, seed: number): SplitName {
  const x = domainPoint(domain, seed);
  if (x < ratios.train) return 'train';
  if (x < ratios.train + ratios.validation) return 'validation';
  return ratios.test > 0 ? 'test' : ratios.validation > 0 ? 'validation' : 'train';
}
