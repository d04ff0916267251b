import { MikroOrmModule } from '@mikro-orm/nestjs';
import { SqliteDriver } from '@mikro-orm/sqlite';
import { type DynamicModule, Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@datafactory/config';
import { createOrmConfig } from './orm-config.js';

/**
 * MikroORM for Nest apps, configured from the AppConfig (`APP_CONFIG`, which
 * ConfigModule.forRoot provides). It never migrates: run `datafactory db
 * migrate` (npm start does) before the apps start.
 *
 * Injectable afterwards: `MikroORM` and `EntityManager` from `@mikro-orm/core`,
 * and the SQL flavour `EntityManager` (= `SqlEntityManager`) from
 * `@mikro-orm/sql`, whichever the database. The global context is disallowed:
 * HTTP requests get their own forked EntityManager from the request-context
 * middleware (registerRequestContext); code outside a request (queue
 * processors, CLI commands) must use `em.fork()` or `@CreateRequestContext()`.
 */
@Module({})
export class PersistenceModule {
  static forRoot(): DynamicModule {
    return {
      module: PersistenceModule,
      imports: [
        MikroOrmModule.forRootAsync({
          // The real driver (SQLite or PostgreSQL) comes from the config at run time. This
          // hint only lets @mikro-orm/nestjs register the SQL EntityManager class as a DI
          // token without calling the factory before APP_CONFIG exists; both drivers' entity
          // managers are SqlEntityManager subclasses.
          driver: SqliteDriver,
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => ({
            ...createOrmConfig(config.database),
            registerRequestContext: true,
          }),
        }),
      ],
      // MikroOrmCoreModule is global: MikroORM and EntityManager are injectable everywhere.
    };
  }
}
