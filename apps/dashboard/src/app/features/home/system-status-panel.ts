import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';

import { HEALTH_POLL_INTERVAL_MS, HealthService } from '../../core/health/health-service';
import { HexBadge } from '../../shared/hex-badge/hex-badge';

const STATE_WORDS = { ok: 'Online', down: 'Down', unknown: 'Unknown' } as const;

/** The "System status" panel: one hexagonal badge per component that `/health` reports on. */
@Component({
  selector: 'app-system-status-panel',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [HexBadge, DatePipe],
  templateUrl: './system-status-panel.html',
  styleUrl: './system-status-panel.css',
})
export class SystemStatusPanel {
  private readonly health = inject(HealthService);

  protected readonly snapshot = this.health.snapshot;
  protected readonly overall = this.health.overall;
  protected readonly components = computed(() =>
    this.health.components().map((component) => ({ ...component, stateWord: STATE_WORDS[component.state] })),
  );

  protected readonly checkedAt = computed(() => {
    const snapshot = this.snapshot();
    return snapshot.kind === 'pending' ? null : snapshot.checkedAt;
  });
  protected readonly httpStatus = computed(() => {
    const snapshot = this.snapshot();
    return snapshot.kind === 'report' ? snapshot.httpStatus : null;
  });
  protected readonly pollSeconds = HEALTH_POLL_INTERVAL_MS / 1000;

  protected readonly headline = computed(() => {
    const snapshot = this.snapshot();
    switch (snapshot.kind) {
      case 'pending':
        return 'Contacting the API…';
      case 'unreachable':
        return 'API unreachable';
      case 'report':
        return snapshot.report.status === 'ok'
          ? 'All systems nominal'
          : `Degraded: ${snapshot.report.down.join(', ') || 'unknown component'} down`;
    }
  });
}
