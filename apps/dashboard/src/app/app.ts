import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';
import { RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';

import { ApiTokenService } from './core/auth/api-token';
import { HealthService } from './core/health/health-service';

interface NavLink {
  readonly path: string;
  readonly label: string;
  readonly exact: boolean;
}

/** The shell: HUD top bar, navigation, and the routed page. */
@Component({
  selector: 'app-root',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterOutlet, RouterLink, RouterLinkActive],
  templateUrl: './app.html',
  styleUrl: './app.css',
})
export class App {
  private readonly health = inject(HealthService);
  protected readonly tokens = inject(ApiTokenService);

  protected readonly navLinks: readonly NavLink[] = [
    { path: '/', label: 'Home', exact: true },
    { path: '/projects', label: 'Projects', exact: false },
    { path: '/exports', label: 'Exports', exact: false },
    { path: '/settings', label: 'Settings', exact: false },
  ];

  protected saveToken(token: string): void {
    this.tokens.set(token);
    // Every page reads its data again with the token.
    location.reload();
  }

  protected readonly systemState = this.health.overall;
  protected readonly systemLabel = computed(() => {
    const snapshot = this.health.snapshot();
    if (snapshot.kind === 'pending') return 'Linking';
    if (snapshot.kind === 'unreachable') return 'API offline';
    return snapshot.report.status === 'ok' ? 'Systems nominal' : 'Degraded';
  });
  protected readonly version = computed(() => {
    const snapshot = this.health.snapshot();
    return snapshot.kind === 'report' ? snapshot.report.version : null;
  });
}
