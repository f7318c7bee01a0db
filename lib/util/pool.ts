/** Options of {@link inPool}. */
export interface PoolOptions {
  /**
   * After the first failure, start no further job (the ones already running still finish).
   * @default false - every job runs, failed ones included
   */
  readonly stopOnError?: boolean;
}

/**
 * Runs `jobs` with at most `limit` in flight and resolves with their results in job order (not finishing order).
 * When a job fails, it rejects with the first error to happen, and only once every job it started has settled:
 * nothing is left running behind the caller's back.
 */
export async function inPool<T>(limit: number, jobs: readonly (() => Promise<T>)[], options: PoolOptions = {}): Promise<T[]> {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new Error(`inPool: the limit (how many jobs run at once) must be a whole number >= 1, got ${limit}; pass 1 to run the jobs one after another`);
  }
  const results: T[] = new Array(jobs.length);
  const errors: unknown[] = [];
  let next = 0;
  const worker = async () => {
    while (next < jobs.length && !(options.stopOnError && errors.length > 0)) {
      const i = next++;
      try {
        results[i] = await jobs[i]();
      } catch (e) {
        errors.push(e);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  if (errors.length > 0) throw errors[0];
  return results;
}
