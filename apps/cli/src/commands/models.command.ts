import { Inject } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@datafactory/config';
import { DEFAULT_TOXICITY_MODEL } from '@datafactory/contracts';
import { installModelFolder, type ModelInstallResult, pullModel } from '@datafactory/inspector';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';

interface PullOptions {
  from?: string;
  model?: string;
  dtype?: 'fp32' | 'q8';
}

/**
 * `datafactory models pull [--from DIR] [--model ID] [--dtype fp32|q8]`: puts
 * the toxicity check's model into DATA_DIR/models, downloaded from the hub
 * (HF_ENDPOINT for a mirror) or copied from a folder (an offline machine).
 */
@SubCommand({
  name: 'pull',
  description: 'download the toxicity model into DATA_DIR/models, or install a copied folder (--from DIR)',
})
export class ModelsPullCommand extends CommandRunner {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    super();
  }

  async run(_args: string[], options: PullOptions): Promise<void> {
    const model = options.model ?? DEFAULT_TOXICITY_MODEL;
    const { dataDir } = this.config;
    let result: ModelInstallResult;
    try {
      result = options.from
        ? await installModelFolder({ from: options.from, dataDir, model, dtype: options.dtype })
        : await pullModel({ dataDir, model, dtype: options.dtype, hubUrl: this.config.models.hubUrl });
    } catch (e) {
      const why = (e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, ' ');
      const fix = options.from
        ? ''
        : '; on a machine without access to the hub, run `datafactory models pull` where there is, ' +
          'copy DATA_DIR/models/' +
          model +
          ' over, and install it with `datafactory models pull --from DIR`';
      // One line, the reason and the way out; nothing half-installed is left (the loader's cache or the copy).
      throw new Error(`models pull: ${why}${fix}`, { cause: e });
    }
    const mb = (result.bytes / 1_000_000).toFixed(1);
    console.log(
      `models pull: ${result.model} ${options.from ? 'installed' : 'downloaded'} in ${result.dir} ` +
        `(${result.files} file(s), ${mb} MB; labels ${result.labels.join(', ')})`,
    );
  }

  @Option({ flags: '--from <dir>', description: 'install this model folder (copied from another machine)' })
  parseFrom(value: string): string {
    return value;
  }

  @Option({ flags: '--model <id>', description: `the hub id jobs name it by (default ${DEFAULT_TOXICITY_MODEL})` })
  parseModel(value: string): string {
    return value;
  }

  @Option({ flags: '--dtype <fp32|q8>', description: 'which ONNX file to fetch and check (default fp32)' })
  parseDtype(value: string): 'fp32' | 'q8' {
    if (value !== 'fp32' && value !== 'q8') throw new Error(`--dtype must be fp32 or q8 (got "${value}")`);
    return value;
  }
}

@Command({ name: 'models', description: 'models the quality checks use', subCommands: [ModelsPullCommand] })
export class ModelsCommand extends CommandRunner {
  async run(): Promise<void> {
    console.log('usage: datafactory models pull [--from DIR] [--model ID] [--dtype fp32|q8]');
  }
}
