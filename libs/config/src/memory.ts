/**
 * The memory bounds a process of ours sets on itself (docs/scaling.md, "Memory of one process").
 *
 * V8 sizes a thread's heap when the thread starts, and glibc reads MALLOC_ARENA_MAX when malloc first
 * runs, so neither can be changed from inside a running process (`v8.setFlagsFromString` is too late):
 * `relaunchWithMemoryBounds` replaces the process with itself (`process.execve`: the same pid, stdio and
 * parent, nothing to forward) with
 *
 * - `--max-semi-space-size=8`: V8's default young generation on a machine with a few GB is 3 × 64 MB per
 *   thread, and a process that allocates as fast as ours keeps 128 MB of it committed in each of its
 *   threads (the main one and the extraction thread), nearly all of it empty between scavenges. 8 MB
 *   semi-spaces scavenge more often, each one as quick (the young objects mostly die);
 * - `--heap-growing-percent=25`: after a full collection V8 lets the old space grow to up to 4× what
 *   survived before it collects again (on a heap limit of 4 GB); our old space is ~60 MB live and was
 *   committed to twice that. Growing by 25% collects more often, on a heap that small each time quick;
 * - `MALLOC_ARENA_MAX=2`: glibc otherwise keeps up to 8 malloc arenas per core for the threads (V8's
 *   helpers, the extraction thread, libuv's pool, SQLite), each holding on to what was freed in it.
 *
 * and, when DATAFACTORY_HEAP_MB is set, `--max-old-space-size` at that many MB. Not by default: the old
 * space of `datafactory run` stays under 100 MB on its own, and V8 applies the flag to every thread,
 * above the extraction thread's own limit (2048 MB, so that one huge page fails alone).
 *
 * A flag or variable already given (on the command line, in NODE_OPTIONS or the environment) is kept;
 * `DATAFACTORY_MEMORY_BOUNDS=off` turns the relaunch off; platforms without `process.execve` (Windows)
 * run as started.
 */

export const MEMORY_BOUNDS = { semiSpaceMb: 8, heapGrowingPercent: 25, mallocArenas: 2 } as const;

const RELAUNCHED = 'DATAFACTORY_MEMORY_BOUNDED';

/** The node arguments and environment of the relaunch, or null when the process stays as it is. */
export function memoryBoundedRelaunch(
  execArgv: readonly string[],
  env: NodeJS.ProcessEnv,
): { execArgv: string[]; env: NodeJS.ProcessEnv } | null {
  if (env[RELAUNCHED] || env.DATAFACTORY_MEMORY_BOUNDS?.trim().toLowerCase() === 'off') return null;
  const raw = env.DATAFACTORY_HEAP_MB?.trim() || undefined;
  const heapMb = raw === undefined ? undefined : Number(raw);
  if (heapMb !== undefined && !(Number.isInteger(heapMb) && heapMb > 0)) {
    throw new Error(`DATAFACTORY_HEAP_MB must be a whole number of MB (got "${raw}")`);
  }
  const given = [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)];
  const has = (flag: string) => {
    const pattern = new RegExp(`^--${flag.replace(/-/g, '[-_]')}(=|$)`);
    return given.some((f) => pattern.test(f));
  };
  const flags = [
    ...(has('max-semi-space-size') ? [] : [`--max-semi-space-size=${MEMORY_BOUNDS.semiSpaceMb}`]),
    ...(has('heap-growing-percent') ? [] : [`--heap-growing-percent=${MEMORY_BOUNDS.heapGrowingPercent}`]),
    ...(heapMb === undefined || has('max-old-space-size') ? [] : [`--max-old-space-size=${heapMb}`]),
  ];
  if (!flags.length && env.MALLOC_ARENA_MAX) return null;
  return {
    execArgv: [...flags, ...execArgv],
    env: { ...env, MALLOC_ARENA_MAX: env.MALLOC_ARENA_MAX || String(MEMORY_BOUNDS.mallocArenas), [RELAUNCHED]: '1' },
  };
}

/**
 * Replaces this process with itself under the bounds above. Returns, having done nothing, when there is
 * nothing to change or the platform cannot; otherwise it does not return. Call it first, before the
 * application's modules load: what ran before it runs again.
 */
export function relaunchWithMemoryBounds(): void {
  const execve = (process as { execve?: (file: string, args: string[], env: NodeJS.ProcessEnv) => never }).execve;
  if (typeof execve !== 'function' || process.platform === 'win32') return;
  const relaunch = memoryBoundedRelaunch(process.execArgv, process.env);
  if (!relaunch) return;
  try {
    execve.call(
      process,
      process.execPath,
      [process.execPath, ...relaunch.execArgv, ...process.argv.slice(1)],
      relaunch.env,
    );
  } catch {
    // execve refused (a sandbox, an unreadable binary): run unbounded rather than not at all.
  }
}
