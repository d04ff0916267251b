import { describe, expect, it } from 'vitest';
import { nodeVersionOk } from './checks.js';

describe('nodeVersionOk', () => {
  it.each([
    ['v24.0.0', true],
    ['v24.21.0', true],
    ['v25.1.0', true],
    ['v22.22.0', true],
    ['v22.21.9', false],
    ['v20.20.2', false],
  ])('%s → %s', (version, ok) => expect(nodeVersionOk(version)).toBe(ok));
});
