import { Migration } from '@mikro-orm/migrations';

export class Migration20261201151933_budget_ledger extends Migration {

  override name = 'Migration20261201151933_budget_ledger';

  override up(): void | Promise<void> {
    this.addSql(`alter table "jobs" add "cost_reserved" double precision not null default 0;`);

    this.addSql(`alter table "llm_calls" add "reserved" double precision not null default 0;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "jobs" drop column "cost_reserved";`);

    this.addSql(`alter table "llm_calls" drop column "reserved";`);
  }

}
