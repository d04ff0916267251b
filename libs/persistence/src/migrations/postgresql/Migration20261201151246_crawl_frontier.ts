import { Migration } from '@mikro-orm/migrations';

export class Migration20261201151246_crawl_frontier extends Migration {

  override name = 'Migration20261201151246_crawl_frontier';

  override up(): void | Promise<void> {
    this.addSql(`create table "crawl_urls" ("id" serial primary key, "job_id" uuid not null, "kind" varchar(255) not null, "url" text not null, "url_hash" varchar(255) not null, "depth" int not null default 0, "discovered_from" text null, "note" varchar(255) null, "state" varchar(255) not null, "document_id" varchar(255) null, "created_at" timestamptz not null);`);
    this.addSql(`create index "crawl_urls_job_id_index" on "crawl_urls" ("job_id");`);
    this.addSql(`create index "crawl_urls_job_id_state_index" on "crawl_urls" ("job_id", "state");`);
    this.addSql(`alter table "crawl_urls" add constraint "crawl_urls_job_id_kind_url_hash_unique" unique ("job_id", "kind", "url_hash");`);

    this.addSql(`alter table "jobs" add "crawl_pages_admitted" int not null default 0, add "crawl_sitemaps_admitted" int not null default 0;`);

    this.addSql(`alter table "crawl_urls" add constraint "crawl_urls_job_id_foreign" foreign key ("job_id") references "jobs" ("id") on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "crawl_urls" cascade;`);

    this.addSql(`alter table "jobs" drop column "crawl_pages_admitted", drop column "crawl_sitemaps_admitted";`);
  }

}
