import { Inject, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig, redactUrl } from '@datafactory/config';
import { migrateDatabase } from '@datafactory/persistence';
import { Command, CommandRunner, SubCommand } from 'nest-commander';

@SubCommand({ name: 'migrate', description: 'apply pending database migrations (safe to run again)' })
export class DbMigrateCommand extends CommandRunner {
  private readonly logger = new Logger('db migrate');

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    super();
  }

  async run(): Promise<void> {
    const db = this.config.database;
    const where = db.driver === 'sqlite' ? db.path : `${redactUrl(db.url)}${db.schema ? ` (schema ${db.schema})` : ''}`;
    const { applied } = await migrateDatabase(db, (line) => this.logger.log(line));
    console.log(
      applied.length
        ? `db migrate: applied ${applied.length} migration(s) to ${db.driver} ${where}: ${applied.join(', ')}`
        : `db migrate: ${db.driver} ${where} is up to date`,
    );
  }
}

@Command({ name: 'db', description: 'database commands', subCommands: [DbMigrateCommand] })
export class DbCommand extends CommandRunner {
  async run(): Promise<void> {
    console.log('usage: datafactory db migrate');
  }
}
