import { Migration } from '@mikro-orm/migrations';

export class Migration20261201173705_webhooks extends Migration {

  override name = 'Migration20261201173705_webhooks';

  override up(): void | Promise<void> {
    this.addSql(`create table \`webhooks\` (\`id\` text not null primary key, \`project_id\` text not null, \`url\` text not null, \`events\` json not null, \`secret_sealed\` text not null, \`created_at\` datetime not null, constraint \`webhooks_project_id_foreign\` foreign key (\`project_id\`) references \`projects\` (\`id\`) on delete cascade);`);
    this.addSql(`create index \`webhooks_project_id_index\` on \`webhooks\` (\`project_id\`);`);

    this.addSql(`create table \`webhook_deliveries\` (\`id\` text not null primary key, \`webhook_id\` text not null, \`event\` text not null, \`payload\` text not null, \`state\` text not null default 'pending', \`attempts\` json not null, \`error\` text null, \`delivered_at\` datetime null, \`created_at\` datetime not null, constraint \`webhook_deliveries_webhook_id_foreign\` foreign key (\`webhook_id\`) references \`webhooks\` (\`id\`) on delete cascade);`);
    this.addSql(`create index \`webhook_deliveries_webhook_id_index\` on \`webhook_deliveries\` (\`webhook_id\`);`);
  }

  override down(): void | Promise<void> {

    this.addSql(`drop table if exists \`webhooks\`;`);
    this.addSql(`drop table if exists \`webhook_deliveries\`;`);
  }

}
