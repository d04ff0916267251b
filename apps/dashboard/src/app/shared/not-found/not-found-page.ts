import { ChangeDetectionStrategy, Component } from '@angular/core';
import { RouterLink } from '@angular/router';

@Component({
  selector: 'app-not-found-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink],
  template: `
    <section class="glass-panel hud-brackets not-found" aria-labelledby="not-found-title">
      <p class="eyebrow mono">Error 404</p>
      <h1 id="not-found-title">Signal lost</h1>
      <p class="lede">There is no page at this address.</p>
      <a class="button" routerLink="/">Back to home</a>
    </section>
  `,
  styles: `
    .not-found {
      max-inline-size: 32rem;
      margin: 3rem auto;
      padding: 2.5rem;
      text-align: center;
    }
    h1 {
      margin: 0.25rem 0 0.75rem;
    }
    .lede {
      margin-block-end: 1.75rem;
    }
  `,
})
export default class NotFoundPage {}
