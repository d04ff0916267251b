import { emptyProgress } from '@datafactory/contracts';

import { overallRatio, stageRatio, stepStates } from './stages';

describe('stage states', () => {
  it('marks the current stage active, earlier ones done and later ones idle while running', () => {
    const progress = emptyProgress();
    progress.crawler = { total: 10, done: 10, failed: 0 };
    progress.refiner = { total: 10, done: 4, failed: 0 };
    expect(stepStates('running', 'generator', progress)).toEqual({
      crawler: 'done',
      refiner: 'active',
      generator: 'active',
      inspector: 'idle',
      exporter: 'idle',
    });
  });

  it('shows where a job stopped when it was cancelled or failed', () => {
    expect(stepStates('cancelled', 'crawler', emptyProgress()).crawler).toBe('cancelled');
    expect(stepStates('failed', 'refiner', emptyProgress())).toMatchObject({ crawler: 'done', refiner: 'failed' });
    expect(Object.values(stepStates('completed', null, emptyProgress()))).toEqual(Array(5).fill('done'));
  });

  it('measures a stage by done plus failed over total', () => {
    expect(stageRatio({ total: 0, done: 0, failed: 0 })).toBeNull();
    expect(stageRatio({ total: 4, done: 1, failed: 1 })).toBe(0.5);
    expect(overallRatio('completed', emptyProgress())).toBe(1);
  });
});
