import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';

export interface DonutSegment {
  readonly label: string;
  readonly value: number;
  /** `ok` cyan, `bad` orange, `muted` grey. */
  readonly tone: 'ok' | 'bad' | 'muted';
}

const RADIUS = 40;
const CIRCUMFERENCE = 2 * Math.PI * RADIUS;

/** A donut in SVG (stroke-dasharray arcs) with a legend that carries the numbers in text. */
@Component({
  selector: 'app-donut-chart',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <figure class="donut">
      <svg viewBox="0 0 100 100" role="img" [attr.aria-label]="ariaLabel()">
        <circle class="track" cx="50" cy="50" [attr.r]="radius" />
        @for (arc of arcs(); track arc.label) {
          <circle
            class="arc"
            [attr.data-tone]="arc.tone"
            cx="50"
            cy="50"
            [attr.r]="radius"
            [attr.stroke-dasharray]="arc.dash"
            [attr.stroke-dashoffset]="arc.offset"
          />
        }
        <text x="50" y="48" class="center">{{ centerText() }}</text>
        <text x="50" y="62" class="center-sub">{{ centerLabel() }}</text>
      </svg>
      <figcaption>
        <ul class="legend">
          @for (arc of arcs(); track arc.label) {
            <li [attr.data-tone]="arc.tone">
              <span class="swatch" aria-hidden="true"></span>{{ arc.label }}
              <span class="mono">{{ arc.value }}</span>
            </li>
          }
        </ul>
      </figcaption>
    </figure>
  `,
  styles: `
    .donut {
      display: flex;
      align-items: center;
      gap: 1.25rem;
      margin: 0;
      flex-wrap: wrap;
    }
    svg {
      inline-size: 9rem;
      block-size: 9rem;
      transform: rotate(-90deg);
    }
    .track {
      fill: none;
      stroke: rgb(138 147 166 / 0.18);
      stroke-width: 12;
    }
    .arc {
      fill: none;
      stroke-width: 12;
      stroke: var(--color-muted);
    }
    [data-tone='ok'] {
      --tone: var(--color-accent);
    }
    [data-tone='bad'] {
      --tone: var(--color-warning);
    }
    [data-tone='muted'] {
      --tone: var(--color-muted);
    }
    .arc {
      stroke: var(--tone);
    }
    text {
      transform: rotate(90deg);
      transform-origin: 50px 50px;
      text-anchor: middle;
      fill: var(--color-text);
    }
    .center {
      font-family: var(--font-mono);
      font-size: 15px;
      font-weight: 700;
    }
    .center-sub {
      font-size: 8px;
      fill: var(--color-text-dim);
      letter-spacing: 0.1em;
    }
    .legend {
      list-style: none;
      margin: 0;
      padding: 0;
      display: grid;
      gap: 0.35rem;
      font-size: 0.85rem;
    }
    .legend li {
      display: flex;
      align-items: center;
      gap: 0.5rem;
    }
    .swatch {
      inline-size: 0.75rem;
      block-size: 0.75rem;
      border-radius: 2px;
      background: var(--tone);
    }
  `,
})
export class DonutChart {
  readonly segments = input.required<readonly DonutSegment[]>();
  readonly centerText = input('');
  readonly centerLabel = input('');
  readonly label = input.required<string>();

  protected readonly radius = RADIUS;
  protected readonly ariaLabel = computed(
    () =>
      `${this.label()}: ${this.segments()
        .map((s) => `${s.label} ${s.value}`)
        .join(', ')}`,
  );
  protected readonly arcs = computed(() => {
    const segments = this.segments();
    const total = segments.reduce((sum, s) => sum + s.value, 0);
    let start = 0;
    return segments.map((s) => {
      const length = total > 0 ? (s.value / total) * CIRCUMFERENCE : 0;
      const arc = { ...s, dash: `${length} ${CIRCUMFERENCE - length}`, offset: -start };
      start += length;
      return arc;
    });
  });
}
