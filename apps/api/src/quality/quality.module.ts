import { Module } from '@nestjs/common';
import { ExamplesController, QualityController } from './quality.controller.js';
import { QualityService } from './quality.service.js';

/** Quality reports, example browsing (the inspector's results) and people's reviews of the examples. */
@Module({ controllers: [QualityController, ExamplesController], providers: [QualityService] })
export class QualityModule {}
