import { Migration } from '@mikro-orm/migrations';

export class Migration20261201141322_llm_calls extends Migration {

  override name = 'Migration20261201141322_llm_calls';

  override up(): void | Promise<void> {
    this.addSql(`create table \`llm_calls\` (\`id\` text not null primary key, \`job_id\` text not null, \`chunk_id\` text null, \`kind\` text not null, \`model\` text not null, \`status\` text not null default 'started', \`estimated\` integer not null default true, \`prompt_tokens\` integer not null default 0, \`completion_tokens\` integer not null default 0, \`cost\` double null, \`cost_estimated\` double not null default 0, \`created_at\` datetime not null, \`settled_at\` datetime null, constraint \`llm_calls_job_id_foreign\` foreign key (\`job_id\`) references \`jobs\` (\`id\`) on delete cascade);`);
    this.addSql(`create index \`llm_calls_job_id_index\` on \`llm_calls\` (\`job_id\`);`);

    this.addSql(`alter table \`jobs\` add column \`cost_estimated\` double not null default 0;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists \`llm_calls\`;`);

    this.addSql(`alter table \`jobs\` drop column \`cost_estimated\`;`);
  }

}
