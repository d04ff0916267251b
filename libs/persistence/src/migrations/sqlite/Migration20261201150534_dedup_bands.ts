import { Migration } from '@mikro-orm/migrations';

export class Migration20261201150534_dedup_bands extends Migration {

  override name = 'Migration20261201150534_dedup_bands';

  override up(): void | Promise<void> {
    this.addSql(`create table \`dedup_bands\` (\`id\` integer not null primary key autoincrement, \`scope\` text not null, \`band\` integer not null, \`hash\` integer not null, \`item_id\` text not null, \`job_id\` text not null, constraint \`dedup_bands_job_id_foreign\` foreign key (\`job_id\`) references \`jobs\` (\`id\`) on delete cascade);`);
    this.addSql(`create index \`dedup_bands_job_id_index\` on \`dedup_bands\` (\`job_id\`);`);
    this.addSql(`create index \`dedup_bands_scope_band_hash_index\` on \`dedup_bands\` (\`scope\`, \`band\`, \`hash\`);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists \`dedup_bands\`;`);
  }

}
