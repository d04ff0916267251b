import { Module } from '@nestjs/common';
import { JobEventsHub } from './job-events.hub.js';

/** The API's side of the job events: the hub the Redis transport feeds (see connectJobEvents). */
@Module({ providers: [JobEventsHub], exports: [JobEventsHub] })
export class EventsModule {}
