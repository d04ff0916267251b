import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@datafactory/config';
import { SettingsController } from './settings.controller.js';
import { SETTINGS_STORE, SettingsService } from './settings.service.js';
import { SettingsStore } from '@datafactory/persistence';

/**
 * GET/PUT /api/settings. Stored in DATA_DIR/settings.json; API keys sealed with
 * the key in DATA_DIR/settings.key (created 0600). A `secretKey` option is ready
 * for a SETTINGS_KEY variable once the config lib has one.
 */
@Module({
  controllers: [SettingsController],
  providers: [
    SettingsService,
    {
      provide: SETTINGS_STORE,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new SettingsStore({ dataDir: config.dataDir }),
    },
  ],
  exports: [SettingsService],
})
export class SettingsModule {}
