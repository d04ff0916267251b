/**
 * End-to-end: `datafactory models pull` as a process. `--from DIR` installs a
 * copied model folder (the tiny stand-in for Xenova/toxic-bert the test
 * builds) where jobs find it offline, and refuses a folder the loader could
 * not use; the network pull downloads through a Hugging Face mirror on
 * 127.0.0.1 (HF_ENDPOINT) and fails in one line when the hub is unreachable.
 */
import { loadToxicityClassifier, modelCacheDir } from '@datafactory/inspector';
import { buildTinyToxicityModel, builtApp, freePort, runNode, tempDir } from '@datafactory/testing';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const MODEL = 'Xenova/toxic-bert';

describe('datafactory models pull', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let modelDir: string;

  beforeAll(async () => {
    dir = await tempDir();
    modelDir = await buildTinyToxicityModel(path.join(dir.path, 'copied-model'));
  });
  afterAll(async () => {
    await dir?.remove();
  });

  const pull = (dataDir: string, args: string[], env: Record<string, string> = {}) =>
    runNode(builtApp('cli'), ['models', 'pull', ...args], { DATA_DIR: dataDir, LOG_LEVEL: 'error', ...env });

  /** The loader a job uses, offline, finds the model under the hub id and flags a trigger word. */
  const loadsOffline = async (dataDir: string) => {
    const classifier = await loadToxicityClassifier({
      model: MODEL,
      cacheDir: modelCacheDir(dataDir),
      allowDownload: false,
    });
    const [clean, rude] = await classifier.classify(['what is the capital of france', 'you idiot']);
    expect(clean!.toxicity).toBeLessThan(0.5);
    expect(rude!.insult).toBeGreaterThan(0.5);
  };

  it('--from DIR installs a copied folder under DATA_DIR/models/<hub id>, where jobs find it offline', async () => {
    const dataDir = path.join(dir.path, 'data-from');
    const r = await pull(dataDir, ['--from', modelDir]);
    expect(r.code, r.output).toBe(0);
    const installed = path.join(dataDir, 'models', 'Xenova', 'toxic-bert');
    expect(r.output).toContain(`models pull: ${MODEL} installed in ${installed} (4 file(s)`);
    expect(r.output).toContain('labels toxicity, severe_toxicity, obscene, threat, insult, identity_attack');
    expect(await readFile(path.join(installed, 'onnx', 'model.onnx'))).toEqual(
      await readFile(path.join(modelDir, 'onnx', 'model.onnx')),
    );
    await loadsOffline(dataDir);
    // Installing again replaces the folder.
    const again = await pull(dataDir, ['--from', modelDir]);
    expect(again.code, again.output).toBe(0);
    expect(await readdir(path.join(dataDir, 'models', 'Xenova'))).toEqual(['toxic-bert']);
  });

  it('--from DIR refuses a folder without the files the loader needs, in one line, and installs nothing', async () => {
    const broken = await buildTinyToxicityModel(path.join(dir.path, 'broken-model'));
    await rm(path.join(broken, 'tokenizer.json'));
    const dataDir = path.join(dir.path, 'data-broken');
    const r = await pull(dataDir, ['--from', broken]);
    expect(r.code).toBe(1);
    expect(r.output.trim().split('\n')).toEqual([
      `datafactory: models pull: ${broken} is not a toxicity model folder: missing tokenizer.json ` +
        '(copy the whole folder of an ONNX export such as Xenova/toxic-bert)',
    ]);
    expect(existsSync(path.join(dataDir, 'models', 'Xenova', 'toxic-bert'))).toBe(false);

    const missing = await pull(dataDir, ['--from', path.join(dir.path, 'no-such-folder')]);
    expect(missing.code).toBe(1);
    expect(missing.output).toMatch(/^datafactory: models pull: .*no-such-folder does not exist\n?$/);

    // A folder with every file name that the loader cannot run is refused too (and not left behind).
    const garbage = await buildTinyToxicityModel(path.join(dir.path, 'garbage-model'));
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path.join(garbage, 'onnx', 'model.onnx'), 'not an onnx graph');
    const bad = await pull(dataDir, ['--from', garbage]);
    expect(bad.code).toBe(1);
    expect(bad.output.trim().split('\n')).toHaveLength(1);
    expect(bad.output).toMatch(/could not be loaded/);
    expect(await readdir(path.join(dataDir, 'models', 'Xenova')).catch(() => [])).toEqual([]);
  });

  it('downloads from the hub (here a mirror on 127.0.0.1 given by HF_ENDPOINT) with the loader jobs use', async () => {
    const served: string[] = [];
    // The hub's file layout: /<model>/resolve/<revision>/<file>.
    const mirror: Server = createServer((req, res) => {
      const m = /^\/Xenova\/toxic-bert\/resolve\/main\/(.+)$/.exec(req.url ?? '');
      const file = m && path.join(modelDir, decodeURIComponent(m[1]!));
      if (!file || !file.startsWith(modelDir) || !existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      served.push(m![1]!);
      void readFile(file).then((body) => res.writeHead(200, { 'content-length': body.length }).end(body));
    });
    await new Promise<void>((resolve) => mirror.listen(0, '127.0.0.1', resolve));
    try {
      const dataDir = path.join(dir.path, 'data-hub');
      const r = await pull(dataDir, [], { HF_ENDPOINT: `http://127.0.0.1:${(mirror.address() as AddressInfo).port}` });
      expect(r.code, r.output).toBe(0);
      expect(r.output).toContain(
        `models pull: ${MODEL} downloaded in ${path.join(dataDir, 'models', 'Xenova', 'toxic-bert')}`,
      );
      expect(served).toEqual(expect.arrayContaining(['config.json', 'tokenizer.json', 'onnx/model.onnx']));
      await loadsOffline(dataDir);
    } finally {
      await new Promise((resolve) => mirror.close(resolve));
    }
  });

  it('fails in one line naming the way out when the hub cannot be reached', async () => {
    const dataDir = path.join(dir.path, 'data-offline');
    const r = await pull(dataDir, [], { HF_ENDPOINT: `http://127.0.0.1:${await freePort()}` });
    expect(r.code).toBe(1);
    const lines = r.output.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^datafactory: models pull: toxicity model Xenova\/toxic-bert could not be loaded/);
    expect(lines[0]).toContain('datafactory models pull --from DIR');
  });
});
