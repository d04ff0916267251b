import { ChangeDetectionStrategy, Component, input, output } from '@angular/core';

export type StateKind = 'loading' | 'empty' | 'error' | 'unavailable';

/** The loading, empty, error and "not available" states every panel shows in the same way. */
@Component({
  selector: 'app-state-message',
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: {
    '[attr.data-kind]': 'kind()',
    '[attr.role]': "kind() === 'error' ? 'alert' : 'status'",
  },
  template: `
    <span class="glyph" aria-hidden="true">{{ glyphs[kind()] }}</span>
    <div class="text">
      <p class="message">{{ message() }}</p>
      @for (detail of details(); track $index) {
        <p class="detail mono">{{ detail }}</p>
      }
    </div>
    @if (kind() === 'error' && retryable()) {
      <button type="button" class="button small" (click)="retry.emit()">Retry</button>
    }
  `,
  styles: `
    :host {
      display: flex;
      align-items: center;
      gap: 0.85rem;
      padding: 1rem 1.1rem;
      border: 1px dashed var(--color-line);
      border-radius: 0.35rem;
      color: var(--color-text-dim);
    }
    :host([data-kind='error']) {
      border-color: rgb(255 106 61 / 0.55);
      color: var(--color-text);
    }
    :host([data-kind='unavailable']) {
      border-color: rgb(255 159 67 / 0.45);
    }
    .glyph {
      font-family: var(--font-mono);
      color: var(--color-accent);
    }
    :host([data-kind='error']) .glyph,
    :host([data-kind='unavailable']) .glyph {
      color: var(--color-warning);
    }
    .text {
      flex: 1;
    }
    .detail {
      font-size: 0.8rem;
      color: var(--color-warning);
    }
    @media (prefers-reduced-motion: no-preference) {
      :host([data-kind='loading']) .glyph {
        animation: pulse 1.2s ease-in-out infinite;
      }
    }
    @keyframes pulse {
      50% {
        opacity: 0.3;
      }
    }
  `,
})
export class StateMessage {
  readonly kind = input.required<StateKind>();
  readonly message = input.required<string>();
  readonly details = input<readonly string[]>([]);
  readonly retryable = input(true);
  readonly retry = output<void>();

  protected readonly glyphs: Record<StateKind, string> = {
    loading: '◌',
    empty: '∅',
    error: '⚠',
    unavailable: '⊘',
  };
}
