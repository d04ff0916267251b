import { Logger } from '@nestjs/common';
import { ensureDataDirOrExit, loadConfigOrExit } from '@datafactory/config';
import { createApiApp } from './bootstrap.js';

async function main(): Promise<void> {
  const config = loadConfigOrExit('api');
  ensureDataDirOrExit('api', config);
  const app = await createApiApp(config);
  await app.listen(config.port, config.host);
  new Logger('Api').log(`listening on http://${config.host}:${config.port} (docs at /docs)`);
}

main().catch((e: unknown) => {
  console.error(`api: failed to start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
