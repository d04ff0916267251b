import type { EntityManager } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { ExampleStatus, JobStatus } from '@datafactory/contracts';
import { sqlTimestamp, sqlUtcDay } from './sql-dialect.js';

export interface StatsTotals {
  totalJobs: number;
  activeJobs: number;
  examplesGenerated: number;
  totalCost: number;
}

export interface DailyModelCost {
  /** UTC day, `YYYY-MM-DD`. */
  day: string;
  model: string;
  cost: number;
  examples: number;
}

/** The aggregates of the stats pages, in one query each, on SQLite and PostgreSQL. */
export class StatsRepository {
  constructor(private readonly em: EntityManager) {}

  async totals(): Promise<StatsTotals> {
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
      totalCost: Number(jobs?.cost ?? 0),
    };
  }

  /** Cost and examples per UTC day and model, of the examples written since `since`. */
  async costByDayAndModel(since: Date): Promise<DailyModelCost[]> {
    const day = sqlUtcDay(this.em, 'created_at');
    const rows = await this.sql<{ day: string; model: string; cost: number | string | null; n: number | string }>(
      `select ${day} as day, model_used as model, sum(cost) as cost, count(*) as n
         from training_examples
        where created_at >= ?
        group by ${day}, model_used`,
      [sqlTimestamp(this.em, since)],
    );
    return rows.map((r) => ({ day: r.day, model: r.model, cost: Number(r.cost ?? 0), examples: Number(r.n) }));
  }

  private sql<T>(query: string, params: unknown[]): Promise<T[]> {
    return (this.em as SqlEntityManager).execute(query, params, 'all') as Promise<T[]>;
  }
}
