import { Migration } from '@mikro-orm/migrations';

export class Migration20261201182853_review extends Migration {

  override name = 'Migration20261201182853_review';

  override up(): void | Promise<void> {
    this.addSql(`alter table "training_examples" add "review_state" varchar(255) not null default 'unreviewed', add "review_reason" text null, add "edited_output" text null, add "reviewed_at" timestamptz null;`);
    this.addSql(`create index "training_examples_review_state_index" on "training_examples" ("review_state");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "training_examples_review_state_index";`);
    this.addSql(`alter table "training_examples" drop column "review_state", drop column "review_reason", drop column "edited_output", drop column "reviewed_at";`);
  }

}
