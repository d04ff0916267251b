import { Inject } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@datafactory/config';
import { refreshJobLocally } from '@datafactory/pipeline/worker';
import { Command, CommandRunner, Option } from 'nest-commander';
import { num, printResult, runWithProgress } from './run.command.js';

interface RefreshOptions {
  maxCostUsd?: number;
  out?: string;
  allowPrivateNetworks?: boolean;
}

@Command({
  name: 'refresh',
  arguments: '<job>',
  description:
    'fetch a completed job again (conditional requests), generate only new and changed chunks, and write a new ' +
    'dataset version whose card lists the pages added, changed and removed',
})
export class RefreshCommand extends CommandRunner {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    super();
  }

  async run([jobId]: string[], o: RefreshOptions): Promise<void> {
    const result = await runWithProgress(this.config, o.allowPrivateNetworks, (config, live) =>
      refreshJobLocally(config, {
        jobId: jobId!,
        ...(o.maxCostUsd !== undefined ? { maxCostUsd: o.maxCostUsd } : {}),
        ...live,
      }),
    );
    console.log(`refresh of job ${jobId}`);
    await printResult(result, this.config.dataDir, o.out);
  }

  @Option({ flags: '--max-cost-usd <usd>', description: "the refresh's own LLM budget (default: the job's)" })
  parseMaxCost(v: string): number {
    const n = num(v, '--max-cost-usd');
    if (n <= 0) throw new Error(`--max-cost-usd must be a positive number of US dollars (got "${v}")`);
    return n;
  }
  @Option({ flags: '--out <dir>', description: 'also copy the dataset folder here' })
  parseOut(v: string): string {
    return v;
  }
  @Option({
    flags: '--allow-private-networks',
    description: 'let this process fetch private addresses (as for run)',
  })
  parseAllowPrivate(): boolean {
    return true;
  }
}
