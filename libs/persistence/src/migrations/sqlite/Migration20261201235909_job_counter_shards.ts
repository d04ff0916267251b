import { Migration } from '@mikro-orm/migrations';

export class Migration20261201235909_job_counter_shards extends Migration {

  override name = 'Migration20261201235909_job_counter_shards';

  override up(): void | Promise<void> {
    this.addSql(`create table \`job_counter_shards\` (\`job_id\` text not null, \`stage\` text not null, \`shard\` integer not null, \`total\` integer not null default 0, \`done\` integer not null default 0, \`failed\` integer not null default 0, primary key (\`job_id\`, \`stage\`, \`shard\`), constraint \`job_counter_shards_job_id_foreign\` foreign key (\`job_id\`) references \`jobs\` (\`id\`) on delete cascade);`);
    this.addSql(`create index \`job_counter_shards_job_id_index\` on \`job_counter_shards\` (\`job_id\`);`);

    this.addSql(`alter table \`jobs\` add column \`progress_seq\` integer not null default 0;`);

    // Jobs of an earlier version keep their counts: each stage's counters become shard 0.
    this.addSql(`insert into \`job_counter_shards\` (\`job_id\`, \`stage\`, \`shard\`, \`total\`, \`done\`, \`failed\`) select j.\`id\`, s.key, 0, coalesce(json_extract(s.value, '$.total'), 0), coalesce(json_extract(s.value, '$.done'), 0), coalesce(json_extract(s.value, '$.failed'), 0) from \`jobs\` j, json_each(case when json_valid(j.\`progress\`) and json_type(j.\`progress\`) = 'object' then j.\`progress\` else '{}' end) s;`);
    this.addSql(`update \`jobs\` set \`progress_seq\` = coalesce((select sum(c.\`total\` + c.\`done\` + c.\`failed\`) from \`job_counter_shards\` c where c.\`job_id\` = \`jobs\`.\`id\`), 0);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists \`job_counter_shards\`;`);

    this.addSql(`alter table \`jobs\` drop column \`progress_seq\`;`);
  }

}
