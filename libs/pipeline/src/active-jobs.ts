import { Injectable } from '@nestjs/common';

/** How many queue jobs this process is working on right now (reported in its heartbeat). */
@Injectable()
export class ActiveJobs {
  count = 0;
}
