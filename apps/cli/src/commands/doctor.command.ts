import { Inject } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@datafactory/config';
import { Command, CommandRunner, Option } from 'nest-commander';
import { type CheckResult, runChecks } from '../doctor/checks.js';

const MARK: Record<CheckResult['status'], string> = { ok: '✔', warn: '!', fail: '✖' };

@Command({
  name: 'doctor',
  description: 'check this install: Node, data folder, database, Redis, workers, Chromium, LLM',
})
export class DoctorCommand extends CommandRunner {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    super();
  }

  async run(_args: string[], options: { json?: boolean }): Promise<void> {
    const results = await runChecks(this.config);
    if (options.json) {
      console.log(JSON.stringify(results, null, 2));
    } else {
      const width = Math.max(...results.map((r) => r.name.length));
      for (const r of results) {
        console.log(`${MARK[r.status]} ${r.name.padEnd(width)}  ${r.detail}`);
        if (r.fix && r.status !== 'ok') console.log(`  ${' '.repeat(width)}  fix: ${r.fix}`);
      }
      const failed = results.filter((r) => r.status === 'fail').length;
      const warned = results.filter((r) => r.status === 'warn').length;
      console.log(
        failed
          ? `\n${failed} problem(s) to fix, ${warned} warning(s)`
          : `\nall required checks passed, ${warned} warning(s)`,
      );
    }
    if (results.some((r) => r.status === 'fail')) process.exitCode = 1;
  }

  @Option({ flags: '--json', description: 'print the results as JSON' })
  parseJson(): boolean {
    return true;
  }
}
