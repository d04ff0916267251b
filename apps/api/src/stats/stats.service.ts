import { EntityManager } from '@mikro-orm/core';
import { Injectable } from '@nestjs/common';
import { StatsRepository } from '@datafactory/persistence';
import type { CostsResponseDto, StatsOverviewResponseDto } from './stats.dto.js';

const DAY_MS = 86_400_000;

@Injectable()
export class StatsService {
  private readonly stats: StatsRepository;

  constructor(em: EntityManager) {
    this.stats = new StatsRepository(em);
  }

  async overview(): Promise<StatsOverviewResponseDto> {
    const totals = await this.stats.totals();
    return { ...totals, totalCost: roundUsd(totals.totalCost) };
  }

  /** Cost per UTC day and model over the last `days` days (today included), every day listed. */
  async costs(days: number, now = new Date()): Promise<CostsResponseDto> {
    const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    const start = today - (days - 1) * DAY_MS;
    const rows = await this.stats.costByDayAndModel(new Date(start));
    const totals = new Map<string, number>();
    for (const r of rows) totals.set(r.model, (totals.get(r.model) ?? 0) + r.cost);
    const models = [...totals.keys()].sort((a, b) => totals.get(b)! - totals.get(a)! || a.localeCompare(b));
    const daily = Array.from({ length: days }, (_, i) => ({
      date: new Date(start + i * DAY_MS).toISOString().slice(0, 10),
      cost: 0,
      examples: 0,
      byModel: Object.fromEntries(models.map((m) => [m, 0])) as Record<string, number>,
    }));
    const byDate = new Map(daily.map((d) => [d.date, d]));
    for (const r of rows) {
      const entry = byDate.get(r.day);
      if (!entry) continue; // written after midnight UTC while this ran
      const cost = r.cost;
      entry.cost += cost;
      entry.examples += r.examples;
      entry.byModel[r.model] = roundUsd(entry.byModel[r.model]! + cost);
    }
    for (const d of daily) d.cost = roundUsd(d.cost);
    return {
      days,
      from: daily[0]!.date,
      to: daily[daily.length - 1]!.date,
      totalCost: roundUsd(daily.reduce((sum, d) => sum + d.cost, 0)),
      models,
      daily,
    };
  }
}

/** Sums of floats drift (0.1 + 0.2); costs are shown to the micro-dollar. */
function roundUsd(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
