import { Migration } from '@mikro-orm/migrations';

export class Migration20261201150534_dedup_bands extends Migration {

  override name = 'Migration20261201150534_dedup_bands';

  override up(): void | Promise<void> {
    this.addSql(`create table "dedup_bands" ("id" serial primary key, "scope" varchar(255) not null, "band" int not null, "hash" int not null, "item_id" uuid not null, "job_id" uuid not null);`);
    this.addSql(`create index "dedup_bands_job_id_index" on "dedup_bands" ("job_id");`);
    this.addSql(`create index "dedup_bands_scope_band_hash_index" on "dedup_bands" ("scope", "band", "hash");`);

    this.addSql(`alter table "dedup_bands" add constraint "dedup_bands_job_id_foreign" foreign key ("job_id") references "jobs" ("id") on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "dedup_bands" cascade;`);
  }

}
