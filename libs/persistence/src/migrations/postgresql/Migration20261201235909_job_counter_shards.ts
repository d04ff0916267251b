import { Migration } from '@mikro-orm/migrations';

export class Migration20261201235909_job_counter_shards extends Migration {

  override name = 'Migration20261201235909_job_counter_shards';

  override up(): void | Promise<void> {
    this.addSql(`create table "job_counter_shards" ("job_id" uuid not null, "stage" varchar(255) not null, "shard" int not null, "total" int not null default 0, "done" int not null default 0, "failed" int not null default 0, primary key ("job_id", "stage", "shard"));`);
    this.addSql(`create index "job_counter_shards_job_id_index" on "job_counter_shards" ("job_id");`);

    this.addSql(`alter table "jobs" add "progress_seq" int not null default 0;`);

    this.addSql(`alter table "job_counter_shards" add constraint "job_counter_shards_job_id_foreign" foreign key ("job_id") references "jobs" ("id") on delete cascade;`);

    // Jobs of an earlier version keep their counts: each stage's counters become shard 0.
    this.addSql(`insert into "job_counter_shards" ("job_id", "stage", "shard", "total", "done", "failed") select j."id", s.key, 0, coalesce((s.value->>'total')::int, 0), coalesce((s.value->>'done')::int, 0), coalesce((s.value->>'failed')::int, 0) from "jobs" j cross join lateral jsonb_each(case when jsonb_typeof(j."progress") = 'object' then j."progress" else '{}'::jsonb end) s;`);
    this.addSql(`update "jobs" set "progress_seq" = coalesce((select sum(c."total" + c."done" + c."failed") from "job_counter_shards" c where c."job_id" = "jobs"."id"), 0);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "job_counter_shards" cascade;`);

    this.addSql(`alter table "jobs" drop column "progress_seq";`);
  }

}
