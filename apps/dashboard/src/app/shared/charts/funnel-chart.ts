import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';

import type { JobFunnelResponseDto } from '../../api/models';

/** What each stage of the funnel is called on the page (the seed's names where they fit). */
const STAGE_TITLES: Readonly<Record<string, string>> = {
  fetch: 'Spider · fetch',
  refine: 'Refiner · text',
  dedup: 'Refiner · dedup',
  generate: 'Factory · generate',
  inspect: 'Inspector · QC',
  export: 'Shipper · export',
};

type Tone = 'ok' | 'bad' | 'muted';

interface Segment {
  outcome: string;
  label: string;
  count: number;
  /** Share of the stage's input, 0–100. */
  percent: number;
  tone: Tone;
  reasons: string;
}

const label = (outcome: string) => outcome.replace(/_/g, ' ');

/**
 * Where the rows went: one row per stage, a bar of the stage's input split by
 * outcome (what went on, what was dropped, what is still pending; stages
 * count different things, so each bar is its own 100%), and every drop with
 * its reason codes in text.
 */
@Component({
  selector: 'app-funnel-chart',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <ol class="funnel" [attr.aria-label]="'Where the rows went: ' + summary()">
      @for (row of rows(); track row.stage) {
        <li class="stage" [attr.data-stage]="row.stage" [attr.data-holds]="row.holds">
          <div class="head">
            <span class="name">{{ row.title }}</span>
            <span class="mono count">{{ row.input }} {{ row.unit }}</span>
            @if (!row.holds) {
              <span class="bad-text mono" role="alert">does not add up: {{ row.invariant }}</span>
            }
          </div>
          <div class="bar" aria-hidden="true">
            @for (seg of row.segments; track seg.outcome) {
              <span
                class="seg"
                [attr.data-tone]="seg.tone"
                [style.flex-grow]="seg.count"
                [attr.title]="seg.label + ' ' + seg.percent.toFixed(0) + '%'"
              ></span>
            }
          </div>
          <ul class="outcomes">
            @for (seg of row.segments; track seg.outcome) {
              <li [attr.data-tone]="seg.tone" [attr.data-outcome]="seg.outcome">
                <span class="swatch" aria-hidden="true"></span>
                <span>{{ seg.label }}</span><span class="mono n">{{ seg.count }}</span>
                @if (seg.reasons) {
                  <span class="reasons mono">{{ seg.reasons }}</span>
                }
              </li>
            }
          </ul>
        </li>
      }
    </ol>
    <p class="verdict mono" [attr.data-holds]="funnel().holds">
      {{ funnel().holds ? 'Every row accounted for: each stage adds up.' : 'Some stage does not add up.' }}
    </p>
  `,
  styles: `
    .funnel {
      list-style: none;
      margin: 0;
      padding: 0;
      display: grid;
      gap: 0.9rem;
    }
    .head {
      display: flex;
      flex-wrap: wrap;
      gap: 0.25rem 0.75rem;
      align-items: baseline;
      font-size: 0.85rem;
    }
    .name {
      letter-spacing: 0.08em;
      text-transform: uppercase;
      font-size: 0.72rem;
      color: var(--color-text-dim);
      min-inline-size: 9.5rem;
    }
    .bar {
      display: flex;
      block-size: 0.7rem;
      margin: 0.3rem 0;
      min-inline-size: 2px;
      background: var(--color-line);
      border-radius: 2px;
      overflow: hidden;
    }
    .seg {
      flex-basis: 0;
      min-inline-size: 0;
    }
    [data-tone='ok'] .swatch,
    .seg[data-tone='ok'] {
      background: var(--color-accent);
    }
    [data-tone='bad'] .swatch,
    .seg[data-tone='bad'] {
      background: var(--color-warning);
    }
    [data-tone='muted'] .swatch,
    .seg[data-tone='muted'] {
      background: var(--color-muted);
    }
    .outcomes {
      list-style: none;
      margin: 0;
      padding: 0;
      display: flex;
      flex-wrap: wrap;
      gap: 0.2rem 1.1rem;
      font-size: 0.8rem;
    }
    .swatch {
      display: inline-block;
      inline-size: 0.6rem;
      block-size: 0.6rem;
      margin-inline-end: 0.35rem;
      border-radius: 1px;
    }
    .n {
      margin-inline-start: 0.4rem;
    }
    .reasons {
      color: var(--color-text-dim);
      margin-inline-start: 0.3rem;
    }
    .bad-text {
      color: var(--color-danger);
      font-size: 0.75rem;
    }
    .verdict {
      margin: 1rem 0 0;
      font-size: 0.75rem;
      color: var(--color-text-dim);
    }
    .verdict[data-holds='false'] {
      color: var(--color-danger);
    }
  `,
})
export class FunnelChart {
  readonly funnel = input.required<JobFunnelResponseDto>();

  protected readonly rows = computed(() => {
    const stages = this.funnel().stages;
    return stages.map((s) => ({
      stage: s.stage,
      title: STAGE_TITLES[s.stage] ?? s.stage,
      input: s.input,
      unit: `${s.unit}${s.input === 1 ? '' : 's'}`,
      holds: s.holds,
      invariant: s.invariant,
      segments: s.outcomes
        .filter((o) => o.count > 0 || o.next)
        .map((o): Segment => ({
          outcome: o.outcome,
          label: label(o.outcome),
          count: o.count,
          percent: s.input ? (100 * o.count) / s.input : 0,
          tone: o.next ? 'ok' : o.outcome === 'pending' || o.outcome === 'not_inspected' ? 'muted' : 'bad',
          reasons: o.reasons.map((r) => `${r.code} ×${r.count}`).join(', '),
        })),
    }));
  });

  protected readonly summary = computed(() =>
    this.rows()
      .map((r) => `${r.title} ${r.input} ${r.unit}: ${r.segments.map((s) => `${s.label} ${s.count}`).join(', ')}`)
      .join('; '),
  );
}
