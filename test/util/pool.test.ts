import { inPool } from '../../lib/util/pool';

/**
 * inPool (lib/util/pool.ts), the one bounded pool of the doctor, the bad-input integration test and the e2e.
 * Jobs are promises the test settles by hand, so every interleaving is chosen, not timed.
 */

/** A job the test finishes by hand, recording when it started. */
interface ManualJob {
  readonly run: () => Promise<string>;
  readonly started: () => boolean;
  readonly resolve: (value: string) => void;
  readonly reject: (error: Error) => void;
}

/** `n` hand-settled jobs, plus how many are in flight right now and the most that ever were. */
function manualJobs(n: number) {
  const inFlight = { now: 0, max: 0 };
  const jobs: ManualJob[] = Array.from({ length: n }, () => {
    let started = false;
    let settle: { resolve: (v: string) => void; reject: (e: Error) => void } | undefined;
    const promise = new Promise<string>((resolve, reject) => (settle = { resolve, reject }));
    const run = () => {
      started = true;
      inFlight.now++;
      inFlight.max = Math.max(inFlight.max, inFlight.now);
      return promise.finally(() => inFlight.now--);
    };
    return {
      run,
      started: () => started,
      resolve: (v) => settle!.resolve(v),
      reject: (e) => settle!.reject(e),
    };
  });
  return { jobs, inFlight };
}

/** Lets every pending promise callback run (the pool's workers pick up the next job). */
const settleCallbacks = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Observes a promise without awaiting it: whether it has settled, and how. */
function watch<T>(p: Promise<T>) {
  const state: { done: boolean; value?: T; error?: unknown } = { done: false };
  p.then(
    (value) => Object.assign(state, { done: true, value }),
    (error) => Object.assign(state, { done: true, error }),
  );
  return state;
}

describe('inPool', () => {
  test('resolves with the results in job order, whatever order the jobs finish in', async () => {
    // GIVEN five jobs, at most two at a time
    const { jobs } = manualJobs(5);
    const result = watch(inPool(2, jobs.map((j) => j.run)));
    // WHEN they finish in reverse order as they get started
    for (const i of [1, 0, 3, 2, 4]) {
      await settleCallbacks();
      expect(jobs[i].started()).toBe(true);
      jobs[i].resolve(`job ${i}`);
    }
    await settleCallbacks();
    // THEN the results are in job order
    expect(result).toEqual({ done: true, value: ['job 0', 'job 1', 'job 2', 'job 3', 'job 4'] });
  });

  test.each([1, 2, 3])('never runs more than %i jobs at once, and does run that many', async (limit) => {
    const { jobs, inFlight } = manualJobs(7);
    const result = watch(inPool(limit, jobs.map((j) => j.run)));
    await settleCallbacks();
    // At the start: exactly `limit` started, the rest wait.
    expect(jobs.filter((j) => j.started())).toHaveLength(limit);
    // One finishing lets exactly one more start.
    jobs[0].resolve('x');
    await settleCallbacks();
    expect(jobs.filter((j) => j.started())).toHaveLength(limit + 1);
    for (const j of jobs) {
      j.resolve('x');
      await settleCallbacks();
    }
    expect(result.done).toBe(true);
    expect(inFlight.max).toBe(limit);
  });

  test('a limit above the number of jobs runs them all at once', async () => {
    const { jobs, inFlight } = manualJobs(3);
    const result = inPool(10, jobs.map((j) => j.run));
    await settleCallbacks();
    expect(inFlight.now).toBe(3);
    jobs.forEach((j, i) => j.resolve(String(i)));
    await expect(result).resolves.toEqual(['0', '1', '2']);
  });

  test('no jobs: resolves with no results', async () => {
    await expect(inPool(3, [])).resolves.toEqual([]);
  });

  test('by default a failure stops nothing: every job runs, then it rejects with the first error to happen', async () => {
    // GIVEN four jobs, two at a time
    const { jobs } = manualJobs(4);
    const result = watch(inPool(2, jobs.map((j) => j.run)));
    await settleCallbacks();
    // WHEN job 1 fails, then job 0 fails too
    jobs[1].reject(new Error('job 1 failed'));
    await settleCallbacks();
    jobs[0].reject(new Error('job 0 failed'));
    await settleCallbacks();
    // THEN jobs 2 and 3 still start, and nothing is reported while they run
    expect(jobs.map((j) => j.started())).toEqual([true, true, true, true]);
    jobs[2].resolve('2');
    await settleCallbacks();
    expect(result.done).toBe(false);
    jobs[3].resolve('3');
    await settleCallbacks();
    // AND the error is the first that happened (job 1's), not the first in job order
    expect(result).toEqual({ done: true, error: new Error('job 1 failed') });
  });

  test('stopOnError: after a failure no job starts; it rejects once the running ones have finished', async () => {
    // GIVEN five jobs, two at a time, stopping on error
    const { jobs } = manualJobs(5);
    const result = watch(inPool(2, jobs.map((j) => j.run), { stopOnError: true }));
    await settleCallbacks();
    // WHEN job 0 fails while job 1 runs
    jobs[0].reject(new Error('job 0 failed'));
    await settleCallbacks();
    // THEN nothing new starts, and the pool waits for job 1
    expect(jobs.map((j) => j.started())).toEqual([true, true, false, false, false]);
    expect(result.done).toBe(false);
    jobs[1].resolve('1');
    await settleCallbacks();
    expect(jobs.map((j) => j.started())).toEqual([true, true, false, false, false]);
    expect(result).toEqual({ done: true, error: new Error('job 0 failed') });
  });

  test('stopOnError with no failure runs every job', async () => {
    const jobs = [1, 2, 3, 4].map((n) => () => Promise.resolve(n * 10));
    await expect(inPool(2, jobs, { stopOnError: true })).resolves.toEqual([10, 20, 30, 40]);
  });

  test('a job that throws before returning a promise counts as a failure', async () => {
    const ran: number[] = [];
    const jobs = [0, 1, 2].map((i) => () => {
      if (i === 1) throw new Error('thrown at once');
      ran.push(i);
      return Promise.resolve(i);
    });
    await expect(inPool(1, jobs)).rejects.toThrow('thrown at once');
    expect(ran).toEqual([0, 2]);
    ran.length = 0;
    await expect(inPool(1, jobs, { stopOnError: true })).rejects.toThrow('thrown at once');
    expect(ran).toEqual([0]);
  });

  // `Number('four')` (NaN) is shown as "not a number": the title guard (test/setup-titles.js) refuses NaN in titles.
  test.each([
    { limit: 0, shown: '0' },
    { limit: -1, shown: '-1' },
    { limit: 1.5, shown: '1.5' },
    { limit: Infinity, shown: 'Infinity' },
    { limit: Number('four'), shown: 'not a number' },
  ])('refuses the limit $shown, naming it and the fix, and starts no job', async ({ limit }) => {
    const job = jest.fn(() => Promise.resolve(1));
    await expect(inPool(limit, [job])).rejects.toThrow(`inPool: the limit (how many jobs run at once) must be a whole number >= 1, got ${limit}; pass 1 to run the jobs one after another`);
    expect(job).not.toHaveBeenCalled();
  });
});
