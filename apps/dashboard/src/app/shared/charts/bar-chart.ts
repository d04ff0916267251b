import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';

export interface BarDatum {
  readonly label: string;
  readonly value: number;
}

const WIDTH = 560;
const HEIGHT = 200;
const PAD = { top: 16, right: 8, bottom: 28, left: 8 };

/**
 * A bar chart in plain SVG (ngx-charts cannot be installed next to Angular 22.2.6,
 * see docs/dashboard.md). Screen readers get the same numbers as a table.
 */
@Component({
  selector: 'app-bar-chart',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <figure class="chart">
      <svg [attr.viewBox]="viewBox" role="img" [attr.aria-label]="label()" preserveAspectRatio="none">
        <line
          class="axis"
          [attr.x1]="pad.left"
          [attr.x2]="width - pad.right"
          [attr.y1]="baseline"
          [attr.y2]="baseline"
        />
        @for (bar of bars(); track bar.label) {
          <g>
            <rect
              class="bar"
              [attr.x]="bar.x"
              [attr.y]="bar.y"
              [attr.width]="bar.width"
              [attr.height]="bar.height"
              rx="2"
            >
              <title>{{ bar.label }}: {{ bar.text }}</title>
            </rect>
            @if (bar.value > 0) {
              <text class="value" [attr.x]="bar.x + bar.width / 2" [attr.y]="bar.y - 4">{{ bar.text }}</text>
            }
            <text class="tick" [attr.x]="bar.x + bar.width / 2" [attr.y]="height - 8">{{ bar.tick }}</text>
          </g>
        }
      </svg>
      <table class="visually-hidden">
        <caption>
          {{
            label()
          }}
        </caption>
        <tbody>
          @for (bar of bars(); track bar.label) {
            <tr>
              <th scope="row">{{ bar.label }}</th>
              <td>{{ bar.text }}</td>
            </tr>
          }
        </tbody>
      </table>
    </figure>
  `,
  styles: `
    .chart {
      margin: 0;
    }
    svg {
      display: block;
      inline-size: 100%;
      block-size: 12rem;
      overflow: visible;
    }
    .axis {
      stroke: rgb(120 180 220 / 0.3);
    }
    .bar {
      fill: rgb(0 212 255 / 0.55);
      stroke: var(--color-accent);
      stroke-width: 1;
    }
    .bar:hover {
      fill: rgb(0 212 255 / 0.8);
    }
    text {
      font-family: var(--font-mono);
      font-size: 11px;
      text-anchor: middle;
    }
    .value {
      fill: var(--color-warning);
    }
    .tick {
      fill: var(--color-text-dim);
    }
  `,
})
export class BarChart {
  readonly data = input.required<readonly BarDatum[]>();
  readonly label = input.required<string>();
  /** Formats a value for labels and the table. */
  readonly format = input<(value: number) => string>((value) => String(value));
  /** Short x-axis text of a datum (defaults to its label). */
  readonly tick = input<(label: string) => string>((label) => label);

  protected readonly width = WIDTH;
  protected readonly height = HEIGHT;
  protected readonly pad = PAD;
  protected readonly viewBox = `0 0 ${WIDTH} ${HEIGHT}`;
  protected readonly baseline = HEIGHT - PAD.bottom;

  protected readonly bars = computed(() => {
    const data = this.data();
    const max = Math.max(...data.map((d) => d.value), 0);
    const slot = (WIDTH - PAD.left - PAD.right) / Math.max(data.length, 1);
    const room = HEIGHT - PAD.top - PAD.bottom;
    return data.map((d, i) => {
      const height = max > 0 ? Math.max((d.value / max) * room, d.value > 0 ? 2 : 0) : 0;
      return {
        label: d.label,
        value: d.value,
        text: this.format()(d.value),
        tick: this.tick()(d.label),
        x: PAD.left + i * slot + slot * 0.18,
        width: slot * 0.64,
        y: this.baseline - height,
        height,
      };
    });
  });
}
