import { describe, expect, it } from 'vitest';
import { FailureCode, FetchError } from './errors.js';
import type { Fetched } from './fetch-following.js';
import { RobotsCache, type StoredRobots } from './robots.js';

/** A store shared by workers that keeps what a fetch resolved to (and nothing for a fetch that rejected). */
const keepingStore = () => {
  const kept = new Map<string, StoredRobots>();
  return {
    kept,
    load: async (origin: string, fetch: () => Promise<StoredRobots>) => {
      const hit = kept.get(origin);
      if (hit) return hit;
      const value = await fetch();
      kept.set(origin, value);
      return value;
    },
  };
};

const cache = (fetch: () => Promise<Fetched>, store = keepingStore()) =>
  new RobotsCache({
    respect: true,
    token: 'testbot',
    fetch,
    pacer: { slowDown: () => undefined },
    store,
    onLoaded: () => undefined,
  });

describe('RobotsCache', () => {
  it.each([
    ['a cancelled request', new FetchError(FailureCode.Cancelled, 'cancelled')],
    ['an aborted wait for the host', new DOMException('crawl stopped', 'AbortError')],
  ])('keeps no outcome for %s: the next crawl of the job fetches robots.txt', async (_, error) => {
    const store = keepingStore();
    await expect(cache(() => Promise.reject(error), store).check('https://a.test/page')).rejects.toBe(error);
    expect(store.kept.size).toBe(0);
    const ok = { response: { status: 404 } } as unknown as Fetched;
    await cache(async () => ok, store).check('https://a.test/page');
    expect(store.kept.get('https://a.test')).toEqual({ kind: 'allow-all' });
  });

  it('keeps an unreachable site as the outcome', async () => {
    const store = keepingStore();
    const refused = new FetchError(FailureCode.Connect, 'connect: refused');
    await expect(cache(() => Promise.reject(refused), store).check('https://a.test/page')).rejects.toMatchObject({
      code: FailureCode.Connect,
    });
    expect(store.kept.get('https://a.test')).toMatchObject({ kind: 'unreachable', code: FailureCode.Connect });
  });
});
