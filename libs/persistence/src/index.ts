export * from './entities/entities.js';
export * from './orm-config.js';
export * from './migrate.js';
export * from './create-migration.js';
export * from './persistence.module.js';
export { sqliteMigrations } from './migrations/sqlite/index.js';
export { postgresqlMigrations } from './migrations/postgresql/index.js';
export * from './job-counters.js';
