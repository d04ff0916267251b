import { Migration } from '@mikro-orm/migrations';

export class Migration20261125153040_initial extends Migration {

  override name = 'Migration20261125153040_initial';

  override up(): void | Promise<void> {
    this.addSql(`create table "projects" ("id" uuid not null, "name" varchar(255) not null, "description" text null, "config" jsonb not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`);

    this.addSql(`create table "jobs" ("id" uuid not null, "project_id" uuid not null, "status" text not null default 'pending', "stage" text null, "config" jsonb not null, "progress" jsonb not null, "error" text null, "cost_total" double precision not null default 0, "created_at" timestamptz not null, "started_at" timestamptz null, "completed_at" timestamptz null, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "jobs_project_id_index" on "jobs" ("project_id");`);
    this.addSql(`create index "jobs_status_index" on "jobs" ("status");`);

    this.addSql(`create table "job_logs" ("id" serial primary key, "job_id" uuid not null, "level" text not null, "stage" text null, "message" text not null, "context" jsonb null, "created_at" timestamptz not null);`);
    this.addSql(`create index "job_logs_job_id_index" on "job_logs" ("job_id");`);
    this.addSql(`create index "job_logs_level_index" on "job_logs" ("level");`);
    this.addSql(`create index "job_logs_job_id_created_at_index" on "job_logs" ("job_id", "created_at");`);

    this.addSql(`create table "exports" ("id" uuid not null, "job_id" uuid not null, "format" varchar(255) not null, "file_path" text not null, "record_count" int not null default 0, "version" varchar(255) not null, "dataset_card" text null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "exports_job_id_index" on "exports" ("job_id");`);

    this.addSql(`create table "raw_documents" ("id" uuid not null, "job_id" uuid not null, "url" text not null, "html_path" text null, "title" text null, "language" varchar(255) null, "scrape_status" text not null default 'pending', "http_status" int null, "content_type" varchar(255) null, "error" text null, "metadata" jsonb not null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "raw_documents_job_id_index" on "raw_documents" ("job_id");`);
    this.addSql(`create index "raw_documents_scrape_status_index" on "raw_documents" ("scrape_status");`);

    this.addSql(`create table "chunks" ("id" uuid not null, "document_id" uuid not null, "job_id" uuid not null, "content" text not null, "token_count" int not null, "chunk_index" int not null, "metadata" jsonb not null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "chunks_document_id_index" on "chunks" ("document_id");`);
    this.addSql(`create index "chunks_job_id_index" on "chunks" ("job_id");`);

    this.addSql(`create table "training_examples" ("id" uuid not null, "chunk_id" uuid not null, "job_id" uuid not null, "template_type" varchar(255) not null, "input_text" text not null, "output_text" text not null, "model_used" varchar(255) not null, "token_count" int not null default 0, "cost" double precision not null default 0, "quality_score" double precision null, "quality_details" jsonb null, "passed_qc" boolean null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "training_examples_chunk_id_index" on "training_examples" ("chunk_id");`);
    this.addSql(`create index "training_examples_job_id_index" on "training_examples" ("job_id");`);
    this.addSql(`create index "training_examples_passed_qc_index" on "training_examples" ("passed_qc");`);

    this.addSql(`alter table "jobs" add constraint "jobs_project_id_foreign" foreign key ("project_id") references "projects" ("id") on delete cascade;`);
    this.addSql(`alter table "jobs" add constraint "jobs_status_check" check ("status" in ('pending', 'running', 'completed', 'failed', 'cancelled'));`);
    this.addSql(`alter table "jobs" add constraint "jobs_stage_check" check ("stage" in ('crawler', 'refiner', 'generator', 'inspector', 'exporter'));`);

    this.addSql(`alter table "job_logs" add constraint "job_logs_job_id_foreign" foreign key ("job_id") references "jobs" ("id") on delete cascade;`);
    this.addSql(`alter table "job_logs" add constraint "job_logs_level_check" check ("level" in ('debug', 'info', 'warn', 'error'));`);
    this.addSql(`alter table "job_logs" add constraint "job_logs_stage_check" check ("stage" in ('crawler', 'refiner', 'generator', 'inspector', 'exporter'));`);

    this.addSql(`alter table "exports" add constraint "exports_job_id_foreign" foreign key ("job_id") references "jobs" ("id") on delete cascade;`);

    this.addSql(`alter table "raw_documents" add constraint "raw_documents_job_id_foreign" foreign key ("job_id") references "jobs" ("id") on delete cascade;`);
    this.addSql(`alter table "raw_documents" add constraint "raw_documents_scrape_status_check" check ("scrape_status" in ('pending', 'fetched', 'skipped', 'failed'));`);

    this.addSql(`alter table "chunks" add constraint "chunks_document_id_foreign" foreign key ("document_id") references "raw_documents" ("id") on delete cascade;`);
    this.addSql(`alter table "chunks" add constraint "chunks_job_id_foreign" foreign key ("job_id") references "jobs" ("id") on delete cascade;`);

    this.addSql(`alter table "training_examples" add constraint "training_examples_chunk_id_foreign" foreign key ("chunk_id") references "chunks" ("id") on delete cascade;`);
    this.addSql(`alter table "training_examples" add constraint "training_examples_job_id_foreign" foreign key ("job_id") references "jobs" ("id") on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "jobs" drop constraint "jobs_project_id_foreign";`);
    this.addSql(`alter table "job_logs" drop constraint "job_logs_job_id_foreign";`);
    this.addSql(`alter table "exports" drop constraint "exports_job_id_foreign";`);
    this.addSql(`alter table "raw_documents" drop constraint "raw_documents_job_id_foreign";`);
    this.addSql(`alter table "chunks" drop constraint "chunks_job_id_foreign";`);
    this.addSql(`alter table "training_examples" drop constraint "training_examples_job_id_foreign";`);
    this.addSql(`alter table "chunks" drop constraint "chunks_document_id_foreign";`);
    this.addSql(`alter table "training_examples" drop constraint "training_examples_chunk_id_foreign";`);

    this.addSql(`drop table if exists "projects" cascade;`);
    this.addSql(`drop table if exists "jobs" cascade;`);
    this.addSql(`drop table if exists "job_logs" cascade;`);
    this.addSql(`drop table if exists "exports" cascade;`);
    this.addSql(`drop table if exists "raw_documents" cascade;`);
    this.addSql(`drop table if exists "chunks" cascade;`);
    this.addSql(`drop table if exists "training_examples" cascade;`);
  }

}
