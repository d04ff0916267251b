import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';

/** A HUD progress bar; `value` is 0–1, or null for "nothing to measure yet". */
@Component({
  selector: 'app-progress-bar',
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: {
    role: 'progressbar',
    '[attr.aria-label]': 'label()',
    'aria-valuemin': '0',
    'aria-valuemax': '100',
    '[attr.aria-valuenow]': 'percent()',
    '[attr.aria-valuetext]': 'valueText()',
    '[attr.data-live]': 'live()',
  },
  template: `<span class="fill" [style.inline-size.%]="percent() ?? 0"></span>`,
  styles: `
    :host {
      position: relative;
      display: block;
      block-size: 0.5rem;
      border-radius: 999px;
      background: rgb(138 147 166 / 0.18);
      overflow: hidden;
    }
    .fill {
      display: block;
      block-size: 100%;
      border-radius: inherit;
      background: linear-gradient(90deg, rgb(0 212 255 / 0.6), var(--color-accent));
      box-shadow: 0 0 10px rgb(0 212 255 / 0.6);
      transition: inline-size 0.4s ease-out;
    }
    @media (prefers-reduced-motion: no-preference) {
      :host([data-live='true']) .fill {
        animation: pulse 1.6s ease-in-out infinite;
      }
    }
    @keyframes pulse {
      50% {
        box-shadow: 0 0 18px rgb(0 212 255 / 0.9);
      }
    }
  `,
})
export class ProgressBar {
  readonly value = input.required<number | null>();
  readonly label = input.required<string>();
  /** Pulses while the job runs. */
  readonly live = input(false);
  /** Read out instead of the bare percentage ("12 of 40 pages"). */
  readonly text = input<string | null>(null);

  protected readonly percent = computed(() => {
    const value = this.value();
    return value === null ? null : Math.round(Math.min(1, Math.max(0, value)) * 100);
  });
  protected readonly valueText = computed(
    () => this.text() ?? (this.percent() === null ? 'not started' : `${this.percent()}%`),
  );
}
