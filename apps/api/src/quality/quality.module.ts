import { Module } from '@nestjs/common';
import { QualityController } from './quality.controller.js';
import { QualityService } from './quality.service.js';

/** Quality reports and example browsing (the inspector's results). */
@Module({ controllers: [QualityController], providers: [QualityService] })
export class QualityModule {}
