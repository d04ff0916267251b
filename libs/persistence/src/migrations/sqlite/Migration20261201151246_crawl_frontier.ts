import { Migration } from '@mikro-orm/migrations';

export class Migration20261201151246_crawl_frontier extends Migration {

  override name = 'Migration20261201151246_crawl_frontier';

  override up(): void | Promise<void> {
    this.addSql(`create table \`crawl_urls\` (\`id\` integer not null primary key autoincrement, \`job_id\` text not null, \`kind\` text not null, \`url\` text not null, \`url_hash\` text not null, \`depth\` integer not null default 0, \`discovered_from\` text null, \`note\` text null, \`state\` text not null, \`document_id\` text null, \`created_at\` datetime not null, constraint \`crawl_urls_job_id_foreign\` foreign key (\`job_id\`) references \`jobs\` (\`id\`) on delete cascade);`);
    this.addSql(`create index \`crawl_urls_job_id_index\` on \`crawl_urls\` (\`job_id\`);`);
    this.addSql(`create index \`crawl_urls_job_id_state_index\` on \`crawl_urls\` (\`job_id\`, \`state\`);`);
    this.addSql(`create unique index \`crawl_urls_job_id_kind_url_hash_unique\` on \`crawl_urls\` (\`job_id\`, \`kind\`, \`url_hash\`);`);

    this.addSql(`alter table \`jobs\` add column \`crawl_pages_admitted\` integer not null default 0;`);
    this.addSql(`alter table \`jobs\` add column \`crawl_sitemaps_admitted\` integer not null default 0;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists \`crawl_urls\`;`);

    this.addSql(`alter table \`jobs\` drop column \`crawl_pages_admitted\`;`);
    this.addSql(`alter table \`jobs\` drop column \`crawl_sitemaps_admitted\`;`);
  }

}
