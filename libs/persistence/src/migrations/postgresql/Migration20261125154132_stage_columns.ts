import { Migration } from '@mikro-orm/migrations';

export class Migration20261125154132_stage_columns extends Migration {

  override name = 'Migration20261125154132_stage_columns';

  override up(): void | Promise<void> {
    this.addSql(`alter table "raw_documents" drop constraint "raw_documents_scrape_status_check";`);
    this.addSql(`alter table "raw_documents" add "final_url" text null, add "canonical_url" text null, add "fetch_method" text null, add "bytes" int null, add "published_at" timestamptz null, add "fetched_at" timestamptz null, add "robots_ignored" boolean not null default false, add "refine_status" text not null default 'pending', add "refine_error" text null;`);
    this.addSql(`create index "raw_documents_refine_status_index" on "raw_documents" ("refine_status");`);
    this.addSql(`alter table "raw_documents" add constraint "raw_documents_fetch_method_check" check ("fetch_method" in ('http', 'browser'));`);
    this.addSql(`alter table "raw_documents" add constraint "raw_documents_refine_status_check" check ("refine_status" in ('pending', 'ok', 'failed', 'skipped'));`);
    this.addSql(`alter table "raw_documents" add constraint "raw_documents_scrape_status_check" check ("scrape_status" in ('pending', 'ok', 'failed', 'skipped'));`);

    this.addSql(`alter table "chunks" add "language" varchar(255) null, add "content_hash" varchar(255) not null default '', add "duplicate_of_id" uuid null;`);
    this.addSql(`alter table "chunks" add constraint "chunks_duplicate_of_id_foreign" foreign key ("duplicate_of_id") references "chunks" ("id") on delete set null;`);
    this.addSql(`create index "chunks_content_hash_index" on "chunks" ("content_hash");`);
    this.addSql(`create index "chunks_duplicate_of_id_index" on "chunks" ("duplicate_of_id");`);

    this.addSql(`alter table "training_examples" add "status" text not null default 'ok', add "error" text null, add "raw_reply" text null, add "template_hash" varchar(255) null, add "lineage" jsonb null;`);
    this.addSql(`alter table "training_examples" alter column "cost" drop default;`);
    this.addSql(`alter table "training_examples" alter column "cost" drop not null;`);
    this.addSql(`create index "training_examples_status_index" on "training_examples" ("status");`);
    this.addSql(`alter table "training_examples" add constraint "training_examples_status_check" check ("status" in ('ok', 'failed'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "chunks" drop constraint "chunks_duplicate_of_id_foreign";`);

    this.addSql(`drop index "chunks_content_hash_index";`);
    this.addSql(`drop index "chunks_duplicate_of_id_index";`);
    this.addSql(`alter table "chunks" drop column "language", drop column "content_hash", drop column "duplicate_of_id";`);

    this.addSql(`drop index "raw_documents_refine_status_index";`);
    this.addSql(`alter table "raw_documents" drop constraint "raw_documents_fetch_method_check";`);
    this.addSql(`alter table "raw_documents" drop constraint "raw_documents_refine_status_check";`);
    this.addSql(`alter table "raw_documents" drop constraint "raw_documents_scrape_status_check";`);
    this.addSql(`alter table "raw_documents" drop column "final_url", drop column "canonical_url", drop column "fetch_method", drop column "bytes", drop column "published_at", drop column "fetched_at", drop column "robots_ignored", drop column "refine_status", drop column "refine_error";`);
    this.addSql(`alter table "raw_documents" add constraint "raw_documents_scrape_status_check" check ("scrape_status" in ('pending', 'fetched', 'skipped', 'failed'));`);

    this.addSql(`drop index "training_examples_status_index";`);
    this.addSql(`alter table "training_examples" drop constraint "training_examples_status_check";`);
    this.addSql(`alter table "training_examples" drop column "status", drop column "error", drop column "raw_reply", drop column "template_hash", drop column "lineage";`);
    this.addSql(`alter table "training_examples" alter column "cost" set default 0;`);
    this.addSql(`alter table "training_examples" alter column "cost" set not null;`);
  }

}
