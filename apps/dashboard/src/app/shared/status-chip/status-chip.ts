import { ChangeDetectionStrategy, Component, input } from '@angular/core';

/** A job status as a small hexagon-edged chip. */
@Component({
  selector: 'app-status-chip',
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { '[attr.data-status]': 'status()' },
  template: `<span class="hex" aria-hidden="true"></span>{{ status() }}`,
  styles: `
    :host {
      --chip: var(--color-muted);
      display: inline-flex;
      align-items: center;
      gap: 0.4rem;
      padding: 0.1rem 0.6rem;
      border: 1px solid color-mix(in srgb, var(--chip) 50%, transparent);
      border-radius: 999px;
      color: var(--chip);
      font-family: var(--font-mono);
      font-size: 0.75rem;
      letter-spacing: 0.08em;
      text-transform: uppercase;
      white-space: nowrap;
    }
    :host([data-status='running']),
    :host([data-status='pending']) {
      --chip: var(--color-accent);
    }
    :host([data-status='completed']) {
      --chip: #7be0a0;
    }
    :host([data-status='failed']) {
      --chip: var(--color-danger);
    }
    :host([data-status='cancelled']) {
      --chip: var(--color-warning);
    }
    .hex {
      inline-size: 0.55rem;
      block-size: 0.62rem;
      background: currentcolor;
      clip-path: polygon(50% 0, 100% 25%, 100% 75%, 50% 100%, 0 75%, 0 25%);
    }
    @media (prefers-reduced-motion: no-preference) {
      :host([data-status='running']) .hex {
        animation: blink 1.4s ease-in-out infinite;
      }
    }
    @keyframes blink {
      50% {
        opacity: 0.35;
      }
    }
  `,
})
export class StatusChip {
  readonly status = input.required<string>();
}
