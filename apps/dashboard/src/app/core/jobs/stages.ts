import type { JobProgress, JobStatus, Stage, StageCounters } from '@datafactory/contracts';
import { STAGES } from '@datafactory/contracts';

import type { StepState } from '../../shared/pipeline-steps/pipeline-steps';

export const STAGE_LABELS: Record<Stage, string> = {
  crawler: 'Spider',
  refiner: 'Refiner',
  generator: 'Factory',
  inspector: 'Inspector',
  exporter: 'Shipper',
};

/**
 * Each stage's step state from the job's status, current stage and counters.
 * Stages overlap (the refiner works while the spider still fetches), so a stage
 * with work in hand counts as active too, not only the current one.
 */
export function stepStates(
  status: JobStatus | null,
  stage: Stage | null,
  progress: JobProgress,
): Record<Stage, StepState> {
  const current = stage ? STAGES.indexOf(stage) : -1;
  const states = {} as Record<Stage, StepState>;
  STAGES.forEach((name, index) => {
    const counters = progress[name];
    const started = counters.total > 0 || counters.done > 0;
    const finished = counters.total > 0 && counters.done + counters.failed >= counters.total;
    let state: StepState = 'idle';
    if (status === 'completed') state = 'done';
    else if (status === 'failed' || status === 'cancelled') {
      if (index === current || (current === -1 && index === 0)) state = status === 'failed' ? 'failed' : 'cancelled';
      else if (index < current || finished) state = 'done';
    } else if (status === 'running' || status === 'pending') {
      if (index === current || (started && !finished)) state = 'active';
      else if (index < current) state = 'done';
    }
    states[name] = state;
  });
  return states;
}

/** 0–1, or null when the stage has nothing to do yet. */
export function stageRatio(counters: StageCounters): number | null {
  if (counters.total <= 0) return null;
  return Math.min(1, (counters.done + counters.failed) / counters.total);
}

/** Overall progress of a job: the mean of the stage ratios (a stage with no work yet counts as 0). */
export function overallRatio(status: JobStatus | null, progress: JobProgress): number {
  if (status === 'completed') return 1;
  return STAGES.reduce((sum, stage) => sum + (stageRatio(progress[stage]) ?? 0), 0) / STAGES.length;
}
