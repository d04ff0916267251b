import { ChangeDetectionStrategy, Component } from '@angular/core';

import { PipelineSteps } from '../../shared/pipeline-steps/pipeline-steps';
import { SystemStatusPanel } from './system-status-panel';

@Component({
  selector: 'app-home-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [SystemStatusPanel, PipelineSteps],
  templateUrl: './home-page.html',
  styleUrl: './home-page.css',
})
export default class HomePage {}
