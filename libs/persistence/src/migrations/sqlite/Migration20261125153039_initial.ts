import { Migration } from '@mikro-orm/migrations';

export class Migration20261125153039_initial extends Migration {

  override name = 'Migration20261125153039_initial';

  override up(): void | Promise<void> {
    this.addSql(`create table \`projects\` (\`id\` text not null primary key, \`name\` text not null, \`description\` text null, \`config\` json not null, \`created_at\` datetime not null, \`updated_at\` datetime not null);`);

    this.addSql(`create table \`jobs\` (\`id\` text not null primary key, \`project_id\` text not null, \`status\` text check (\`status\` in ('pending', 'running', 'completed', 'failed', 'cancelled')) not null default 'pending', \`stage\` text check (\`stage\` in ('crawler', 'refiner', 'generator', 'inspector', 'exporter')) null, \`config\` json not null, \`progress\` json not null, \`error\` text null, \`cost_total\` double not null default 0, \`created_at\` datetime not null, \`started_at\` datetime null, \`completed_at\` datetime null, \`updated_at\` datetime not null, constraint \`jobs_project_id_foreign\` foreign key (\`project_id\`) references \`projects\` (\`id\`) on delete cascade);`);
    this.addSql(`create index \`jobs_project_id_index\` on \`jobs\` (\`project_id\`);`);
    this.addSql(`create index \`jobs_status_index\` on \`jobs\` (\`status\`);`);

    this.addSql(`create table \`job_logs\` (\`id\` integer not null primary key autoincrement, \`job_id\` text not null, \`level\` text check (\`level\` in ('debug', 'info', 'warn', 'error')) not null, \`stage\` text check (\`stage\` in ('crawler', 'refiner', 'generator', 'inspector', 'exporter')) null, \`message\` text not null, \`context\` json null, \`created_at\` datetime not null, constraint \`job_logs_job_id_foreign\` foreign key (\`job_id\`) references \`jobs\` (\`id\`) on delete cascade);`);
    this.addSql(`create index \`job_logs_job_id_index\` on \`job_logs\` (\`job_id\`);`);
    this.addSql(`create index \`job_logs_level_index\` on \`job_logs\` (\`level\`);`);
    this.addSql(`create index \`job_logs_job_id_created_at_index\` on \`job_logs\` (\`job_id\`, \`created_at\`);`);

    this.addSql(`create table \`exports\` (\`id\` text not null primary key, \`job_id\` text not null, \`format\` text not null, \`file_path\` text not null, \`record_count\` integer not null default 0, \`version\` text not null, \`dataset_card\` text null, \`created_at\` datetime not null, constraint \`exports_job_id_foreign\` foreign key (\`job_id\`) references \`jobs\` (\`id\`) on delete cascade);`);
    this.addSql(`create index \`exports_job_id_index\` on \`exports\` (\`job_id\`);`);

    this.addSql(`create table \`raw_documents\` (\`id\` text not null primary key, \`job_id\` text not null, \`url\` text not null, \`html_path\` text null, \`title\` text null, \`language\` text null, \`scrape_status\` text check (\`scrape_status\` in ('pending', 'fetched', 'skipped', 'failed')) not null default 'pending', \`http_status\` integer null, \`content_type\` text null, \`error\` text null, \`metadata\` json not null, \`created_at\` datetime not null, constraint \`raw_documents_job_id_foreign\` foreign key (\`job_id\`) references \`jobs\` (\`id\`) on delete cascade);`);
    this.addSql(`create index \`raw_documents_job_id_index\` on \`raw_documents\` (\`job_id\`);`);
    this.addSql(`create index \`raw_documents_scrape_status_index\` on \`raw_documents\` (\`scrape_status\`);`);

    this.addSql(`create table \`chunks\` (\`id\` text not null primary key, \`document_id\` text not null, \`job_id\` text not null, \`content\` text not null, \`token_count\` integer not null, \`chunk_index\` integer not null, \`metadata\` json not null, \`created_at\` datetime not null, constraint \`chunks_document_id_foreign\` foreign key (\`document_id\`) references \`raw_documents\` (\`id\`) on delete cascade, constraint \`chunks_job_id_foreign\` foreign key (\`job_id\`) references \`jobs\` (\`id\`) on delete cascade);`);
    this.addSql(`create index \`chunks_document_id_index\` on \`chunks\` (\`document_id\`);`);
    this.addSql(`create index \`chunks_job_id_index\` on \`chunks\` (\`job_id\`);`);

    this.addSql(`create table \`training_examples\` (\`id\` text not null primary key, \`chunk_id\` text not null, \`job_id\` text not null, \`template_type\` text not null, \`input_text\` text not null, \`output_text\` text not null, \`model_used\` text not null, \`token_count\` integer not null default 0, \`cost\` double not null default 0, \`quality_score\` double null, \`quality_details\` json null, \`passed_qc\` integer null, \`created_at\` datetime not null, constraint \`training_examples_chunk_id_foreign\` foreign key (\`chunk_id\`) references \`chunks\` (\`id\`) on delete cascade, constraint \`training_examples_job_id_foreign\` foreign key (\`job_id\`) references \`jobs\` (\`id\`) on delete cascade);`);
    this.addSql(`create index \`training_examples_chunk_id_index\` on \`training_examples\` (\`chunk_id\`);`);
    this.addSql(`create index \`training_examples_job_id_index\` on \`training_examples\` (\`job_id\`);`);
    this.addSql(`create index \`training_examples_passed_qc_index\` on \`training_examples\` (\`passed_qc\`);`);
  }

  override down(): void | Promise<void> {

    this.addSql(`drop table if exists \`projects\`;`);
    this.addSql(`drop table if exists \`jobs\`;`);
    this.addSql(`drop table if exists \`job_logs\`;`);
    this.addSql(`drop table if exists \`exports\`;`);
    this.addSql(`drop table if exists \`raw_documents\`;`);
    this.addSql(`drop table if exists \`chunks\`;`);
    this.addSql(`drop table if exists \`training_examples\`;`);
  }

}
