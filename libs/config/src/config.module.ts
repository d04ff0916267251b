import { type DynamicModule, Global, Module } from '@nestjs/common';
import { type AppConfig } from './config.js';

/** Injection token of the validated AppConfig. */
export const APP_CONFIG = Symbol('APP_CONFIG');

/**
 * Makes the AppConfig that main() loaded (and validated) injectable everywhere.
 * The config is loaded before Nest starts so that a bad value stops start-up
 * with one line, not a stack trace.
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: APP_CONFIG, useValue: config }], exports: [APP_CONFIG] };
  }
}
