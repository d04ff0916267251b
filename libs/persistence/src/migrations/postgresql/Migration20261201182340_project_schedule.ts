import { Migration } from '@mikro-orm/migrations';

export class Migration20261201182340_project_schedule extends Migration {

  override name = 'Migration20261201182340_project_schedule';

  override up(): void | Promise<void> {
    this.addSql(`alter table "projects" add "schedule" jsonb null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "projects" drop column "schedule";`);
  }

}
