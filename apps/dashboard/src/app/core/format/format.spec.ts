import { formatBytes, formatCount, formatDateTime, formatDuration, formatPercent, formatUsd } from './format';

describe('format', () => {
  it('formats money with more digits under a cent', () => {
    expect(formatUsd(12.5)).toBe('$12.50');
    expect(formatUsd(0.0042)).toBe('$0.0042');
    expect(formatUsd(0)).toBe('$0.00');
    expect(formatUsd(null)).toBe('—');
  });

  it('formats counts, percentages, durations, sizes and UTC times', () => {
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatPercent(0.876)).toBe('88%');
    expect(formatPercent(null)).toBe('—');
    expect(formatDuration(3_723_000)).toBe('1h 02m');
    expect(formatDuration(184_000)).toBe('3m 04s');
    expect(formatDuration(null)).toBe('—');
    expect(formatBytes(2048)).toBe('2.0 KB');
    expect(formatDateTime('2026-11-25T14:03:59.000Z')).toBe('2026-11-25 14:03 UTC');
  });
});
