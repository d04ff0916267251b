import { EntityManager } from '@mikro-orm/core';
import { type SqlEntityManager, SqlitePlatform } from '@mikro-orm/sql';
import { Injectable } from '@nestjs/common';
import { ExampleStatus, JobStatus } from '@datafactory/contracts';
import type { CostsResponseDto, StatsOverviewResponseDto } from './stats.dto.js';

const DAY_MS = 86_400_000;

@Injectable()
export class StatsService {
  constructor(private readonly em: EntityManager) {}

  async overview(): Promise<StatsOverviewResponseDto> {
    const [jobs] = await this.sql<{ total: number | string; active: number | string; cost: number | string | null }>(
      `select count(*) as total, sum(case when status in (?, ?) then 1 else 0 end) as active,
              sum(cost_total) as cost
         from jobs`,
      [JobStatus.Pending, JobStatus.Running],
    );
    const [examples] = await this.sql<{ n: number | string }>(
      'select count(*) as n from training_examples where status = ?',
      [ExampleStatus.Ok],
    );
    return {
      totalJobs: Number(jobs?.total ?? 0),
      activeJobs: Number(jobs?.active ?? 0),
      examplesGenerated: Number(examples?.n ?? 0),
      totalCost: roundUsd(Number(jobs?.cost ?? 0)),
    };
  }

  /** Cost per UTC day and model over the last `days` days (today included), every day listed. */
  async costs(days: number, now = new Date()): Promise<CostsResponseDto> {
    const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    const start = today - (days - 1) * DAY_MS;
    const sqlite = this.em.getPlatform() instanceof SqlitePlatform;
    // SQLite keeps MikroORM datetimes as epoch milliseconds; PostgreSQL as timestamptz.
    const day = sqlite
      ? "strftime('%Y-%m-%d', created_at / 1000, 'unixepoch')"
      : `to_char(created_at at time zone 'UTC', 'YYYY-MM-DD')`;
    const rows = await this.sql<{ day: string; model: string; cost: number | string | null; n: number | string }>(
      `select ${day} as day, model_used as model, sum(cost) as cost, count(*) as n
         from training_examples
        where created_at >= ?
        group by ${day}, model_used`,
      [sqlite ? start : new Date(start)],
    );
    const totals = new Map<string, number>();
    for (const r of rows) totals.set(r.model, (totals.get(r.model) ?? 0) + Number(r.cost ?? 0));
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
      const cost = Number(r.cost ?? 0);
      entry.cost += cost;
      entry.examples += Number(r.n);
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

  private sql<T>(query: string, params: unknown[]): Promise<T[]> {
    return (this.em as SqlEntityManager).execute(query, params, 'all') as Promise<T[]>;
  }
}

/** Sums of floats drift (0.1 + 0.2); costs are shown to the micro-dollar. */
function roundUsd(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
