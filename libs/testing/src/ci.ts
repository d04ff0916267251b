/** True when the tests run in CI (CI sets CI=true). */
export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI === 'true' || env.CI === '1';
}

/**
 * Decides whether a test that needs something outside the repository (nginx,
 * a build) can run. Where it is available: true. Where it is missing, in CI
 * (CI=true): throws, so the suite fails instead of skipping silently. Locally:
 * prints why and returns false, for `describe.runIf(...)` / `it.runIf(...)`.
 */
export function requireInCi(what: string, available: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  if (available) return true;
  if (inCi(env)) throw new Error(`${what} is required when CI=true, and it is missing`);
  console.warn(`skipping: ${what} is missing (this fails in CI, where CI=true)`);
  return false;
}
