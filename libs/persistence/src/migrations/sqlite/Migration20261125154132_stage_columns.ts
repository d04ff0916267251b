import { Migration } from '@mikro-orm/migrations';

export class Migration20261125154132_stage_columns extends Migration {

  override name = 'Migration20261125154132_stage_columns';

  override up(): void | Promise<void> {
    this.addSql(`pragma foreign_keys = off;`);
    this.addSql(`create table \`raw_documents__temp_alter\` (\`id\` text not null primary key, \`job_id\` text not null, \`url\` text not null, \`html_path\` text null, \`title\` text null, \`language\` text null, \`scrape_status\` text check (\`scrape_status\` in ('pending', 'ok', 'failed', 'skipped')) not null default 'pending', \`http_status\` integer null, \`content_type\` text null, \`error\` text null, \`final_url\` text null, \`canonical_url\` text null, \`fetch_method\` text check (\`fetch_method\` in ('http', 'browser')) null, \`bytes\` integer null, \`published_at\` datetime null, \`fetched_at\` datetime null, \`robots_ignored\` integer not null default false, \`refine_status\` text check (\`refine_status\` in ('pending', 'ok', 'failed', 'skipped')) not null default 'pending', \`refine_error\` text null, \`metadata\` json not null, \`created_at\` datetime not null, constraint \`raw_documents_job_id_foreign\` foreign key (\`job_id\`) references \`jobs\` (\`id\`) on delete cascade);`);
    this.addSql(`insert into \`raw_documents__temp_alter\` select \`id\`, \`job_id\`, \`url\`, \`html_path\`, \`title\`, \`language\`, \`scrape_status\`, \`http_status\`, \`content_type\`, \`error\`, null as \`final_url\`, null as \`canonical_url\`, null as \`fetch_method\`, null as \`bytes\`, null as \`published_at\`, null as \`fetched_at\`, null as \`robots_ignored\`, null as \`refine_status\`, null as \`refine_error\`, \`metadata\`, \`created_at\` from \`raw_documents\`;`);
    this.addSql(`drop table \`raw_documents\`;`);
    this.addSql(`alter table \`raw_documents__temp_alter\` rename to \`raw_documents\`;`);
    this.addSql(`create index \`raw_documents_job_id_index\` on \`raw_documents\` (\`job_id\`);`);
    this.addSql(`create index \`raw_documents_scrape_status_index\` on \`raw_documents\` (\`scrape_status\`);`);
    this.addSql(`create index \`raw_documents_refine_status_index\` on \`raw_documents\` (\`refine_status\`);`);
    this.addSql(`pragma foreign_keys = on;`);

    this.addSql(`alter table \`chunks\` add column \`language\` text null;`);
    this.addSql(`alter table \`chunks\` add column \`content_hash\` text not null default '';`);
    this.addSql(`alter table \`chunks\` add column \`duplicate_of_id\` text null constraint \`chunks_duplicate_of_id_foreign\` references \`chunks\` (\`id\`) on delete set null;`);
    this.addSql(`create index \`chunks_content_hash_index\` on \`chunks\` (\`content_hash\`);`);
    this.addSql(`create index \`chunks_duplicate_of_id_index\` on \`chunks\` (\`duplicate_of_id\`);`);

    this.addSql(`pragma foreign_keys = off;`);
    this.addSql(`create table \`training_examples__temp_alter\` (\`id\` text not null primary key, \`chunk_id\` text not null, \`job_id\` text not null, \`template_type\` text not null, \`input_text\` text not null, \`output_text\` text not null, \`model_used\` text not null, \`status\` text check (\`status\` in ('ok', 'failed')) not null default 'ok', \`error\` text null, \`raw_reply\` text null, \`template_hash\` text null, \`lineage\` json null, \`token_count\` integer not null default 0, \`cost\` double null, \`quality_score\` double null, \`quality_details\` json null, \`passed_qc\` integer null, \`created_at\` datetime not null, constraint \`training_examples_chunk_id_foreign\` foreign key (\`chunk_id\`) references \`chunks\` (\`id\`) on delete cascade, constraint \`training_examples_job_id_foreign\` foreign key (\`job_id\`) references \`jobs\` (\`id\`) on delete cascade);`);
    this.addSql(`insert into \`training_examples__temp_alter\` select \`id\`, \`chunk_id\`, \`job_id\`, \`template_type\`, \`input_text\`, \`output_text\`, \`model_used\`, null as \`status\`, null as \`error\`, null as \`raw_reply\`, null as \`template_hash\`, null as \`lineage\`, \`token_count\`, \`cost\`, \`quality_score\`, \`quality_details\`, \`passed_qc\`, \`created_at\` from \`training_examples\`;`);
    this.addSql(`drop table \`training_examples\`;`);
    this.addSql(`alter table \`training_examples__temp_alter\` rename to \`training_examples\`;`);
    this.addSql(`create index \`training_examples_chunk_id_index\` on \`training_examples\` (\`chunk_id\`);`);
    this.addSql(`create index \`training_examples_job_id_index\` on \`training_examples\` (\`job_id\`);`);
    this.addSql(`create index \`training_examples_status_index\` on \`training_examples\` (\`status\`);`);
    this.addSql(`create index \`training_examples_passed_qc_index\` on \`training_examples\` (\`passed_qc\`);`);
    this.addSql(`pragma foreign_keys = on;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index \`chunks_content_hash_index\`;`);
    this.addSql(`drop index \`chunks_duplicate_of_id_index\`;`);
    this.addSql(`alter table \`chunks\` drop column \`language\`;`);
    this.addSql(`alter table \`chunks\` drop column \`content_hash\`;`);
    this.addSql(`alter table \`chunks\` drop column \`duplicate_of_id\`;`);

    this.addSql(`pragma foreign_keys = off;`);
    this.addSql(`create table \`raw_documents__temp_alter\` (\`content_type\` text null, \`created_at\` datetime not null, \`error\` text null, \`html_path\` text null, \`http_status\` integer null, \`id\` text not null primary key, \`job_id\` text not null, \`language\` text null, \`metadata\` json not null, \`scrape_status\` text check (\`scrape_status\` in ('pending', 'fetched', 'skipped', 'failed')) not null default 'pending', \`title\` text null, \`url\` text not null, constraint \`raw_documents_job_id_foreign\` foreign key (\`job_id\`) references \`jobs\` (\`id\`) on delete cascade);`);
    this.addSql(`insert into \`raw_documents__temp_alter\` select \`content_type\`, \`created_at\`, \`error\`, \`html_path\`, \`http_status\`, \`id\`, \`job_id\`, \`language\`, \`metadata\`, \`scrape_status\`, \`title\`, \`url\` from \`raw_documents\`;`);
    this.addSql(`drop table \`raw_documents\`;`);
    this.addSql(`alter table \`raw_documents__temp_alter\` rename to \`raw_documents\`;`);
    this.addSql(`create index \`raw_documents_job_id_index\` on \`raw_documents\` (\`job_id\`);`);
    this.addSql(`create index \`raw_documents_scrape_status_index\` on \`raw_documents\` (\`scrape_status\`);`);
    this.addSql(`pragma foreign_keys = on;`);

    this.addSql(`pragma foreign_keys = off;`);
    this.addSql(`create table \`training_examples__temp_alter\` (\`chunk_id\` text not null, \`cost\` double not null default 0, \`created_at\` datetime not null, \`id\` text not null primary key, \`input_text\` text not null, \`job_id\` text not null, \`model_used\` text not null, \`output_text\` text not null, \`passed_qc\` integer null, \`quality_details\` json null, \`quality_score\` double null, \`template_type\` text not null, \`token_count\` integer not null default 0, constraint \`training_examples_chunk_id_foreign\` foreign key (\`chunk_id\`) references \`chunks\` (\`id\`) on delete cascade, constraint \`training_examples_job_id_foreign\` foreign key (\`job_id\`) references \`jobs\` (\`id\`) on delete cascade);`);
    this.addSql(`insert into \`training_examples__temp_alter\` select \`chunk_id\`, \`cost\`, \`created_at\`, \`id\`, \`input_text\`, \`job_id\`, \`model_used\`, \`output_text\`, \`passed_qc\`, \`quality_details\`, \`quality_score\`, \`template_type\`, \`token_count\` from \`training_examples\`;`);
    this.addSql(`drop table \`training_examples\`;`);
    this.addSql(`alter table \`training_examples__temp_alter\` rename to \`training_examples\`;`);
    this.addSql(`create index \`training_examples_chunk_id_index\` on \`training_examples\` (\`chunk_id\`);`);
    this.addSql(`create index \`training_examples_job_id_index\` on \`training_examples\` (\`job_id\`);`);
    this.addSql(`create index \`training_examples_passed_qc_index\` on \`training_examples\` (\`passed_qc\`);`);
    this.addSql(`pragma foreign_keys = on;`);
  }

}
