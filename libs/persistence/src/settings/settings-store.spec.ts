import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SettingsStore } from './settings-store.js';

describe('SettingsStore.read', () => {
  const dirs: string[] = [];
  const dataDir = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'settings-store-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('sees what another store (another process) wrote, however often it read before', async () => {
    const dir = dataDir();
    const reader = new SettingsStore({ dataDir: dir });
    const writer = new SettingsStore({ dataDir: dir });
    expect((await reader.read()).defaultJobConfig).toEqual({});
    await writer.write({ ...(await writer.read()), defaultJobConfig: { a: 1 } });
    expect((await reader.read()).defaultJobConfig).toEqual({ a: 1 });
    expect((await reader.read()).defaultJobConfig).toEqual({ a: 1 });
    await writer.write({ ...(await writer.read()), defaultJobConfig: { a: 2 } });
    expect((await reader.read()).defaultJobConfig).toEqual({ a: 2 });
  });

  it('sees a file edited in place and a file removed', async () => {
    const dir = dataDir();
    const store = new SettingsStore({ dataDir: dir });
    const file = path.join(dir, 'settings.json');
    writeFileSync(file, JSON.stringify({ version: 1, defaultJobConfig: { b: 1 } }));
    expect((await store.read()).defaultJobConfig).toEqual({ b: 1 });
    writeFileSync(file, JSON.stringify({ version: 1, defaultJobConfig: { b: 22 } }));
    expect((await store.read()).defaultJobConfig).toEqual({ b: 22 });
    unlinkSync(file);
    expect((await store.read()).defaultJobConfig).toEqual({});
  });

  it('hands out a copy: changing what read returned changes nothing the next read sees', async () => {
    const dir = dataDir();
    const store = new SettingsStore({ dataDir: dir });
    await store.write({ ...(await store.read()), defaultJobConfig: { c: 1 } });
    const first = await store.read();
    (first.defaultJobConfig as Record<string, unknown>).c = 99;
    expect((await store.read()).defaultJobConfig).toEqual({ c: 1 });
  });
});
