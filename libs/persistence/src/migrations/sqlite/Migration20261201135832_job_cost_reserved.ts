import { Migration } from '@mikro-orm/migrations';

export class Migration20261201135832_job_cost_reserved extends Migration {

  override name = 'Migration20261201135832_job_cost_reserved';

  override up(): void | Promise<void> {
    this.addSql(`alter table \`jobs\` add column \`cost_reserved\` double not null default 0;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table \`jobs\` drop column \`cost_reserved\`;`);
  }

}
