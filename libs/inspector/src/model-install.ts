import { cp, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { QualityConfig } from './config.js';
import {
  modelCacheDir,
  modelFolderProblem,
  ToxicityClassifier,
  ToxicityModelUnavailableError,
} from './checks/toxicity.js';

type Dtype = QualityConfig['toxicity']['dtype'];

/** Where a hub model lives once pulled or installed: DATA_DIR/models/<hub id>, the loader's cache layout. */
export function installedModelDir(dataDir: string, model: string): string {
  return cachedModelDir(modelCacheDir(dataDir), model);
}

function cachedModelDir(cacheDir: string, model: string): string {
  if (!HUB_ID.test(model) || model.split('/').some((part) => part === '.' || part === '..')) {
    throw new ToxicityModelUnavailableError(`"${model}" is not a hub model id like Xenova/toxic-bert`);
  }
  return path.join(cacheDir, ...model.split('/'));
}

const HUB_ID = /^[\w.-]{1,96}(?:\/[\w.-]{1,96})?$/;

export interface ModelInstallResult {
  model: string;
  dir: string;
  files: number;
  bytes: number;
  labels: string[];
}

/**
 * `datafactory models pull --from DIR`: copies a model folder (one pulled on a
 * machine with network access) to DATA_DIR/models/<model>, where jobs find
 * the hub id `model`, after checking it has the files the loader needs and
 * that the loader runs it. Nothing is left behind when either check fails.
 */
export async function installModelFolder(options: {
  from: string;
  dataDir: string;
  model: string;
  dtype?: Dtype;
}): Promise<ModelInstallResult> {
  const from = path.resolve(options.from);
  const problem = modelFolderProblem(from, options.dtype);
  if (problem) throw new ToxicityModelUnavailableError(problem);
  const target = installedModelDir(options.dataDir, options.model);
  const staging = `${target}.installing-${process.pid}`;
  await mkdir(path.dirname(target), { recursive: true });
  await rm(staging, { recursive: true, force: true });
  await cp(from, staging, { recursive: true });
  let labels: string[];
  try {
    labels = await runOnce(staging, options.dtype);
  } catch (e) {
    await rm(staging, { recursive: true, force: true });
    throw e;
  }
  await rm(target, { recursive: true, force: true });
  await rename(staging, target);
  return describe(options.model, target, labels);
}

/**
 * `datafactory models pull`: downloads the model from the hub (or the mirror
 * at `hubUrl`) into DATA_DIR/models with the loader the toxicity check uses,
 * and runs it once.
 */
export async function pullModel(options: {
  dataDir: string;
  model: string;
  dtype?: Dtype;
  hubUrl?: string;
}): Promise<ModelInstallResult> {
  const classifier = await ToxicityClassifier.load({
    model: options.model,
    dtype: options.dtype,
    cacheDir: modelCacheDir(options.dataDir),
    allowDownload: true,
    hubUrl: options.hubUrl,
  });
  await classifier.classify(['a test sentence']);
  await classifier.dispose();
  return describe(options.model, installedModelDir(options.dataDir, options.model), classifier.labels);
}

/** Loads the folder with the toxicity loader and scores one sentence; returns its labels. */
async function runOnce(dir: string, dtype?: Dtype): Promise<string[]> {
  const classifier = await ToxicityClassifier.load({ model: dir, dtype });
  await classifier.classify(['a test sentence']);
  await classifier.dispose();
  return classifier.labels;
}

async function describe(model: string, dir: string, labels: string[]): Promise<ModelInstallResult> {
  let files = 0;
  let bytes = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    files++;
    bytes += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return { model, dir, files, bytes, labels };
}
