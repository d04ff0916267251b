import path from 'node:path';
import { Inject } from '@nestjs/common';
import { type EntityManager, MikroORM } from '@mikro-orm/core';
import { APP_CONFIG, type AppConfig } from '@datafactory/config';
import { isUuid } from '@datafactory/contracts';
import { exportDirectory, hubRepoProblem, PublishError, publishExport } from '@datafactory/exporter';
import { createOrmConfig, Export, StoredHubToken } from '@datafactory/persistence';
import { Command, CommandRunner, Option } from 'nest-commander';

interface PublishOptions {
  repo?: string;
  private?: boolean;
  update?: boolean;
  json?: boolean;
}

/**
 * `datafactory publish EXPORT --repo user/name [--private] [--update]`: one
 * export (its id, or its version folder as `datafactory run` prints it) to the
 * Hugging Face Hub, from the configured database and DATA_DIR, with HF_TOKEN
 * (or the token saved in Settings) and HF_ENDPOINT. No API needs to run.
 */
@Command({
  name: 'publish',
  arguments: '<export>',
  description: 'publish an export (its id or folder) to the Hugging Face Hub as a dataset repository (HF_TOKEN)',
})
export class PublishCommand extends CommandRunner {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    super();
  }

  async run([target]: string[], o: PublishOptions): Promise<void> {
    if (!o.repo) throw new Error('--repo namespace/name is required (the dataset repository on the Hub)');
    const problem = hubRepoProblem(o.repo);
    if (problem) throw new Error(`--${problem}`);
    const token = (await StoredHubToken.inDataDir(this.config.dataDir).read()) ?? this.config.hub.token;
    if (!token) {
      throw new Error('no Hugging Face token: set HF_TOKEN to a write token (huggingface.co/settings/tokens)');
    }
    const orm = await MikroORM.init(createOrmConfig(this.config.database) as Parameters<typeof MikroORM.init>[0]);
    try {
      const row = await this.findExport(orm.em.fork(), target!);
      const result = await publishExport(
        row,
        { repo: o.repo, private: o.private === true, update: o.update === true },
        { dataDir: this.config.dataDir, token, hubUrl: this.config.hub.endpoint },
      );
      if (o.json) {
        console.log(JSON.stringify(result, null, 2));
        return;
      }
      console.log(
        `published export ${row.id} (version ${row.version}) to ${result.url}` +
          `${result.created ? (result.private ? ' (new private repository)' : ' (new repository)') : ' (new commit)'}`,
      );
      console.log(`commit ${result.commit.oid}: ${result.files.join(', ')}`);
      console.log(`load it: datasets.load_dataset("${result.repo}")`);
    } catch (e) {
      if (e instanceof PublishError) throw new Error(e.message, { cause: e });
      throw e;
    } finally {
      await orm.close(true);
    }
  }

  /** By id, or by its version folder (absolute, or relative to the working directory). */
  private async findExport(em: EntityManager, target: string): Promise<Export> {
    if (isUuid(target)) {
      const row = await em.findOne(Export, { id: target });
      if (!row) throw new Error(`export ${target} not found`);
      return row;
    }
    const wanted = path.resolve(target);
    const candidates = await em.find(Export, { version: path.basename(wanted) });
    const row = candidates.find((r) => {
      try {
        return exportDirectory(this.config.dataDir, r.filePath) === wanted;
      } catch {
        return false;
      }
    });
    if (!row) throw new Error(`no export with id or folder "${target}" (give the id or the folder \`run\` printed)`);
    return row;
  }

  @Option({ flags: '--repo <namespace/name>', description: 'the dataset repository on the Hub (created if missing)' })
  parseRepo(value: string): string {
    return value;
  }

  @Option({ flags: '--private', description: 'create the repository private' })
  parsePrivate(): boolean {
    return true;
  }

  @Option({ flags: '--update', description: 'add this version as a new commit when the repository exists' })
  parseUpdate(): boolean {
    return true;
  }

  @Option({ flags: '--json', description: 'print the result as JSON' })
  parseJson(): boolean {
    return true;
  }
}
