import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, type AppConfig } from '@datafactory/config';
import { DbCommand, DbMigrateCommand } from './commands/db.command.js';
import { DoctorCommand } from './commands/doctor.command.js';
import { RunCommand } from './commands/run.command.js';
import { RefreshCommand } from './commands/refresh.command.js';
import { ExtractCommand } from './commands/extract.command.js';
import { ModelsCommand, ModelsPullCommand } from './commands/models.command.js';
import { PublishCommand } from './commands/publish.command.js';
import { JobsCancelCommand, JobsCommand, JobsListCommand, JobsShowCommand } from './commands/jobs.command.js';

/** The `datafactory` CLI. Commands open what they need themselves (a migration needs no running ORM). */
@Module({})
export class CliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [ConfigModule.forRoot(config)],
      providers: [
        RunCommand,
        RefreshCommand,
        DbCommand,
        DbMigrateCommand,
        DoctorCommand,
        ExtractCommand,
        JobsCommand,
        JobsListCommand,
        JobsShowCommand,
        JobsCancelCommand,
        ModelsCommand,
        ModelsPullCommand,
        PublishCommand,
      ],
    };
  }
}
