import { Migration } from '@mikro-orm/migrations';

export class Migration20261201141323_llm_calls extends Migration {

  override name = 'Migration20261201141323_llm_calls';

  override up(): void | Promise<void> {
    this.addSql(`create table "llm_calls" ("id" uuid not null, "job_id" uuid not null, "chunk_id" varchar(255) null, "kind" varchar(255) not null, "model" varchar(255) not null, "status" varchar(255) not null default 'started', "estimated" boolean not null default true, "prompt_tokens" int not null default 0, "completion_tokens" int not null default 0, "cost" double precision null, "cost_estimated" double precision not null default 0, "created_at" timestamptz not null, "settled_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "llm_calls_job_id_index" on "llm_calls" ("job_id");`);

    this.addSql(`alter table "jobs" add "cost_estimated" double precision not null default 0;`);

    this.addSql(`alter table "llm_calls" add constraint "llm_calls_job_id_foreign" foreign key ("job_id") references "jobs" ("id") on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "llm_calls" cascade;`);

    this.addSql(`alter table "jobs" drop column "cost_estimated";`);
  }

}
