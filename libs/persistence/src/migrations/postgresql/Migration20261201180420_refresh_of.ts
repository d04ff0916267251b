import { Migration } from '@mikro-orm/migrations';

export class Migration20261201180420_refresh_of extends Migration {

  override name = 'Migration20261201180420_refresh_of';

  override up(): void | Promise<void> {
    this.addSql(`alter table "jobs" add "refresh_of" uuid null;`);
    this.addSql(`create index "jobs_refresh_of_index" on "jobs" ("refresh_of");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "jobs_refresh_of_index";`);
    this.addSql(`alter table "jobs" drop column "refresh_of";`);
  }

}
