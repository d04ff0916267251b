import { Migration } from '@mikro-orm/migrations';

export class Migration20261201173705_webhooks extends Migration {

  override name = 'Migration20261201173705_webhooks';

  override up(): void | Promise<void> {
    this.addSql(`create table "webhooks" ("id" uuid not null, "project_id" uuid not null, "url" text not null, "events" jsonb not null, "secret_sealed" text not null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "webhooks_project_id_index" on "webhooks" ("project_id");`);

    this.addSql(`create table "webhook_deliveries" ("id" uuid not null, "webhook_id" uuid not null, "event" varchar(255) not null, "payload" text not null, "state" varchar(255) not null default 'pending', "attempts" jsonb not null, "error" text null, "delivered_at" timestamptz null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "webhook_deliveries_webhook_id_index" on "webhook_deliveries" ("webhook_id");`);

    this.addSql(`alter table "webhooks" add constraint "webhooks_project_id_foreign" foreign key ("project_id") references "projects" ("id") on delete cascade;`);

    this.addSql(`alter table "webhook_deliveries" add constraint "webhook_deliveries_webhook_id_foreign" foreign key ("webhook_id") references "webhooks" ("id") on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "webhook_deliveries" drop constraint "webhook_deliveries_webhook_id_foreign";`);

    this.addSql(`drop table if exists "webhooks" cascade;`);
    this.addSql(`drop table if exists "webhook_deliveries" cascade;`);
  }

}
