import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { MEMORY_BOUNDS, memoryBoundedRelaunch } from './memory.js';

const SEMI = `--max-semi-space-size=${MEMORY_BOUNDS.semiSpaceMb}`;
const GROW = `--heap-growing-percent=${MEMORY_BOUNDS.heapGrowingPercent}`;

describe('memoryBoundedRelaunch', () => {
  it('adds the young-generation bound and the arena limit, and marks the relaunch', () => {
    const r = memoryBoundedRelaunch(['--enable-source-maps'], { PATH: '/bin' });
    expect(r).toEqual({
      execArgv: [SEMI, GROW, '--enable-source-maps'],
      env: { PATH: '/bin', MALLOC_ARENA_MAX: '2', DATAFACTORY_MEMORY_BOUNDED: '1' },
    });
    // The relaunched process does not relaunch again.
    expect(memoryBoundedRelaunch(r!.execArgv, r!.env)).toBeNull();
  });

  it('bounds the old space only when DATAFACTORY_HEAP_MB says so', () => {
    expect(memoryBoundedRelaunch([], { DATAFACTORY_HEAP_MB: '512' })?.execArgv).toEqual([
      SEMI,
      GROW,
      '--max-old-space-size=512',
    ]);
    expect(() => memoryBoundedRelaunch([], { DATAFACTORY_HEAP_MB: '1g' })).toThrow(/DATAFACTORY_HEAP_MB.*"1g"/);
    expect(() => memoryBoundedRelaunch([], { DATAFACTORY_HEAP_MB: '0' })).toThrow(/DATAFACTORY_HEAP_MB/);
  });

  it('keeps what the operator gave, on the command line, in NODE_OPTIONS or the environment', () => {
    expect(
      memoryBoundedRelaunch(['--max_old_space_size=3000'], {
        NODE_OPTIONS: '--max-semi-space-size=64 --heap-growing-percent=50',
        DATAFACTORY_HEAP_MB: '256',
      })?.execArgv,
    ).toEqual(['--max_old_space_size=3000']);
    expect(memoryBoundedRelaunch([], { MALLOC_ARENA_MAX: '8' })?.env.MALLOC_ARENA_MAX).toBe('8');
    // Everything given already: nothing to relaunch for.
    expect(
      memoryBoundedRelaunch(['--max-semi-space-size=8', '--heap_growing_percent=10'], { MALLOC_ARENA_MAX: '4' }),
    ).toBeNull();
    expect(memoryBoundedRelaunch([], { DATAFACTORY_MEMORY_BOUNDS: 'off' })).toBeNull();
  });

  it.skipIf(process.platform === 'win32')(
    'relaunches a real process in place: same pid, the bounds in force, arguments and exit code kept',
    () => {
      // A child node that loads this module (type-stripped), relaunches, then reports what it runs under.
      const script = `
        const { relaunchWithMemoryBounds } = await import(${JSON.stringify(new URL('./memory.ts', import.meta.url).href)});
        if (!process.env.DATAFACTORY_MEMORY_BOUNDED) process.env.PID_BEFORE = String(process.pid);
        relaunchWithMemoryBounds();
        const v8 = await import('node:v8');
        console.log(JSON.stringify({
          pid: process.pid, before: Number(process.env.PID_BEFORE), execArgv: process.execArgv,
          arenas: process.env.MALLOC_ARENA_MAX, args: process.argv.slice(-2),
          heapLimitMb: Math.round(v8.getHeapStatistics().heap_size_limit / 2 ** 20),
        }));
        process.exit(3);
      `;
      const out = spawnSync(process.execPath, ['--input-type=module', '-e', script, '--', 'a', 'b c'], {
        env: { PATH: process.env.PATH, DATAFACTORY_HEAP_MB: '300' },
        encoding: 'utf8',
      });
      expect(out.status, out.stderr).toBe(3);
      const seen = JSON.parse(out.stdout.trim()) as Record<string, unknown>;
      expect(seen.pid).toBe(seen.before);
      expect(seen.execArgv).toEqual(expect.arrayContaining(['--max-old-space-size=300', SEMI, GROW]));
      expect(seen.arenas).toBe('2');
      expect(seen.args).toEqual(['a', 'b c']);
      // 300 MB of old space and the young generation (3 semi-spaces of 8 MB): V8 took the flags.
      expect(seen.heapLimitMb).toBe(300 + 3 * MEMORY_BOUNDS.semiSpaceMb);
    },
  );
});
