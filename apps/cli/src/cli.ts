import 'reflect-metadata';
import { loadConfigOrExit } from '@datafactory/config';
import { CommandFactory } from 'nest-commander';
import { CliModule } from './cli.module.js';

async function main(): Promise<void> {
  const config = loadConfigOrExit('datafactory');
  await CommandFactory.run(CliModule.forRoot(config), {
    logger:
      config.log.level === 'debug' || config.log.level === 'trace'
        ? ['log', 'warn', 'error', 'debug']
        : ['warn', 'error'],
    errorHandler: (err) => {
      // commander reports --help and --version as "errors" with exit code 0.
      const code = (err as { exitCode?: number }).exitCode;
      if (code === 0) process.exit(0);
      console.error(`datafactory: ${err.message}`);
      process.exit(code ?? 1);
    },
    serviceErrorHandler: (err) => {
      console.error(`datafactory: ${err.message}`);
      process.exit(1);
    },
  });
}

void main();
