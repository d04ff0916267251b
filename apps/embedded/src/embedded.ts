import { Logger } from '@nestjs/common';
import { ensureDataDirOrExit, loadConfigOrExit } from '@datafactory/config';
import { EmbeddedPipelineModule } from '@datafactory/pipeline/worker';
import { createApiApp } from '../../api/src/bootstrap.js';

/**
 * One process for a laptop with no Redis: the API (serving the dashboard) and
 * every stage, with the in-process dispatcher of `datafactory run` in place of
 * BullMQ. `npm start` runs this when REDIS_URL is unset and nothing answers at
 * the default Redis address; the API and worker apps are the scale-out path.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit('embedded');
  ensureDataDirOrExit('embedded', config);
  const app = await createApiApp(config, { pipeline: [EmbeddedPipelineModule] });
  await app.listen(config.port, config.host);
  new Logger('Embedded').log(
    `listening on http://${config.host}:${config.port} (docs at /docs); API and stages in this process, no Redis`,
  );
}

main().catch((e: unknown) => {
  console.error(`embedded: failed to start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
