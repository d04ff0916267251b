import { describe, expect, it, vi } from 'vitest';
import { inCi, requireInCi } from './ci.js';

describe('requireInCi', () => {
  it('is true when the thing is there, in CI or not', () => {
    expect(requireInCi('nginx', true, { CI: 'true' })).toBe(true);
    expect(requireInCi('nginx', true, {})).toBe(true);
  });

  it('fails in CI when it is missing, naming it', () => {
    expect(() => requireInCi('nginx', false, { CI: 'true' })).toThrow('nginx is required when CI=true');
  });

  it('skips locally, saying why', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(requireInCi('nginx', false, {})).toBe(false);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('nginx is missing'));
    warn.mockRestore();
  });

  it('reads CI=true (and CI=1) only', () => {
    expect(inCi({ CI: 'true' })).toBe(true);
    expect(inCi({ CI: '1' })).toBe(true);
    expect(inCi({ CI: 'false' })).toBe(false);
    expect(inCi({})).toBe(false);
  });
});
