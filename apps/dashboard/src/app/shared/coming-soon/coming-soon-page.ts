import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import { RouterLink } from '@angular/router';

/** Stands in for a page that a later issue builds; its text comes from the route's `data`. */
@Component({
  selector: 'app-coming-soon-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink],
  template: `
    <section class="glass-panel hud-brackets coming-soon" aria-labelledby="coming-soon-title">
      <p class="eyebrow">Module offline</p>
      <h1 id="coming-soon-title">{{ heading() }}</h1>
      <p class="lede">{{ summary() }}</p>
      <p class="mono status-line">STATUS <span class="accent">·</span> SCHEDULED FOR A LATER RELEASE</p>
      <a class="button" routerLink="/">Back to home</a>
    </section>
  `,
  styles: `
    .coming-soon {
      max-inline-size: 40rem;
      margin: 3rem auto;
      padding: 2.5rem;
      text-align: center;
    }
    h1 {
      margin: 0.25rem 0 0.75rem;
    }
    .status-line {
      margin-block: 1.5rem;
      font-size: 0.8rem;
      color: var(--color-warning);
      letter-spacing: 0.12em;
    }
  `,
})
export default class ComingSoonPage {
  /** Bound from route data by `withComponentInputBinding()`. */
  readonly heading = input('Coming soon');
  readonly summary = input('This part of the dashboard is not built yet.');
}
