import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import type { ComponentState } from '@datafactory/contracts';

const STATE_WORDS: Record<ComponentState, string> = { ok: 'operational', down: 'down', unknown: 'status unknown' };

/** A hexagonal status badge: cyan glow when ok, orange-red when down, grey when unknown. */
@Component({
  selector: 'app-hex-badge',
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: {
    role: 'img',
    '[attr.aria-label]': 'ariaLabel()',
    '[attr.data-state]': 'state()',
    '[style.--hex-size]': 'size()',
  },
  template: `
    <svg viewBox="0 0 100 100" aria-hidden="true" focusable="false">
      <polygon class="hex-outer" points="50,2 91.6,26 91.6,74 50,98 8.4,74 8.4,26" />
      <polygon class="hex-inner" points="50,14 81.2,32 81.2,68 50,86 18.8,68 18.8,32" />
    </svg>
    <span class="code" aria-hidden="true">{{ code() }}</span>
  `,
  styleUrl: './hex-badge.css',
})
export class HexBadge {
  readonly state = input.required<ComponentState>();
  /** What the badge stands for, read out by screen readers ("Database"). */
  readonly label = input.required<string>();
  /** The short text drawn inside the hexagon ("DB"). */
  readonly code = input('');
  readonly size = input('3.5rem');

  protected readonly ariaLabel = computed(() => `${this.label()}: ${STATE_WORDS[this.state()]}`);
}
