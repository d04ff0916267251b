import { Migration } from '@mikro-orm/migrations';

export class Migration20261201182853_review extends Migration {

  override name = 'Migration20261201182853_review';

  override up(): void | Promise<void> {
    this.addSql(`alter table \`training_examples\` add column \`review_state\` text not null default 'unreviewed';`);
    this.addSql(`alter table \`training_examples\` add column \`review_reason\` text null;`);
    this.addSql(`alter table \`training_examples\` add column \`edited_output\` text null;`);
    this.addSql(`alter table \`training_examples\` add column \`reviewed_at\` datetime null;`);
    this.addSql(`create index \`training_examples_review_state_index\` on \`training_examples\` (\`review_state\`);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index \`training_examples_review_state_index\`;`);
    this.addSql(`alter table \`training_examples\` drop column \`review_state\`;`);
    this.addSql(`alter table \`training_examples\` drop column \`review_reason\`;`);
    this.addSql(`alter table \`training_examples\` drop column \`edited_output\`;`);
    this.addSql(`alter table \`training_examples\` drop column \`reviewed_at\`;`);
  }

}
