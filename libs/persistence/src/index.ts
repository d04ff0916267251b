export * from './entities/entities.js';
export * from './orm-config.js';
export * from './migrate.js';
export * from './create-migration.js';
export * from './persistence.module.js';
