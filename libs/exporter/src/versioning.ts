import { mkdir } from 'node:fs/promises';
import path from 'node:path';

/** `20261125T120000123Z`: a UTC timestamp to the millisecond, sortable as text. */
export function timestampVersion(now: Date = new Date()): string {
  return now.toISOString().replace(/[-:]/g, '').replace('.', '');
}

/** Where the versions of a job's exports live, relative to DATA_DIR (POSIX separators, as stored in the database). */
export function exportsRelativeDir(projectId: string, jobId: string, version?: string): string {
  return path.posix.join('exports', projectId, jobId, ...(version ? [version] : []));
}

/**
 * Creates a new version folder DATA_DIR/exports/<project>/<job>/<version>/
 * and returns its version. mkdir is atomic: when another export (in this
 * process or another) took the same millisecond, a suffix `-1`, `-2`... makes
 * it unique, so no export ever writes into another's folder.
 */
export async function reserveVersionDir(
  dataDir: string,
  projectId: string,
  jobId: string,
  now: Date = new Date(),
): Promise<{ version: string; dir: string; relativeDir: string }> {
  const parent = path.join(dataDir, exportsRelativeDir(projectId, jobId));
  await mkdir(parent, { recursive: true });
  const base = timestampVersion(now);
  for (let n = 0; ; n++) {
    const version = n === 0 ? base : `${base}-${n}`;
    const dir = path.join(parent, version);
    try {
      await mkdir(dir);
      return { version, dir, relativeDir: exportsRelativeDir(projectId, jobId, version) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}
