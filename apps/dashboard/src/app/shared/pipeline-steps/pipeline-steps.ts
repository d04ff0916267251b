import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import { STAGES, Stage } from '@datafactory/contracts';

export type StepState = 'idle' | 'active' | 'done' | 'failed' | 'cancelled';

interface StageInfo {
  readonly label: string;
  readonly summary: string;
}

/** The seed's names for the stages; code keeps `crawler`, `generator`, `exporter`. */
const STAGE_INFO: Record<Stage, StageInfo> = {
  crawler: { label: 'Spider', summary: 'Fetch pages' },
  refiner: { label: 'Refiner', summary: 'Extract & chunk' },
  generator: { label: 'Factory', summary: 'Generate examples' },
  inspector: { label: 'Inspector', summary: 'Score quality' },
  exporter: { label: 'Shipper', summary: 'Export dataset' },
};

const STATE_WORDS: Record<StepState, string> = {
  idle: 'Idle',
  active: 'Running',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Stopped',
};

/** The five pipeline stages as a row of steps; the job page feeds it live states. */
@Component({
  selector: 'app-pipeline-steps',
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './pipeline-steps.html',
  styleUrl: './pipeline-steps.css',
})
export class PipelineSteps {
  /** Per-stage state; a stage left out is idle. */
  readonly states = input<Partial<Record<Stage, StepState>>>({});

  protected readonly steps = computed(() =>
    STAGES.map((stage, index) => {
      const state = this.states()[stage] ?? 'idle';
      return {
        stage,
        number: String(index + 1).padStart(2, '0'),
        ...STAGE_INFO[stage],
        state,
        stateWord: STATE_WORDS[state],
      };
    }),
  );
}
