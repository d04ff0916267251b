import { describe, expect, it } from 'vitest';
import { diskSpaceStatus, nodeVersionOk } from './checks.js';

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

describe('diskSpaceStatus', () => {
  it('fails under 100 MB, warns under 1 GB', () => {
    expect(diskSpaceStatus(50 * 1024 * 1024)).toBe('fail');
    expect(diskSpaceStatus(500 * 1024 * 1024)).toBe('warn');
    expect(diskSpaceStatus(5 * 1024 * 1024 * 1024)).toBe('ok');
  });
});
