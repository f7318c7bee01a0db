/**
 * The bounded wait of the promotion gates (the signature gate, the replica check): look, and while what is
 * awaited has not arrived, print why and for how long, sleep, and look again, until it arrives or the wait is
 * spent. The wait is counted in seconds slept (the looks themselves are not counted), so a test's fake sleep
 * gives the same lines and verdicts as a real one.
 */

/** Where a wait prints each line and how it sleeps. */
export interface WaitIo {
  readonly log: (line: string) => void;
  /**
   * Waits `seconds` (tests pass a fake that returns at once).
   * @default - a real timer
   */
  readonly sleep?: (seconds: number) => Promise<void>;
}

/** One look: what was awaited has arrived (with its value), or is still pending (with what is missing). */
export type Look<T, P> = { readonly ready: true; readonly value: T } | { readonly ready: false; readonly pending: P };

/** How long a gate may wait (`--signature-wait`, `--replica-wait` and their poll intervals). */
export interface WaitBounds {
  /** Longest wait in total, in seconds (0: look once). */
  readonly maxWaitSeconds: number;
  /** Seconds between two looks (> 0); the last wait is cut to what is left of `maxWaitSeconds`. */
  readonly pollSeconds: number;
}

/** The repository a gate looks in, as ECR's API addresses it (spread into its commands). */
export type RepositoryRef = { readonly repositoryName: string; readonly registryId?: string };

/** How long to wait, and what to print and throw while and when waiting. */
export interface PollOptions<P> extends WaitIo, WaitBounds {
  /** What is awaited, as the start of each wait line: `<waitingFor>: waiting 10 s (waited 20 s of at most 300 s)`. */
  readonly waitingFor: (pending: P) => string;
  /** The error to throw when the wait is spent and the last look was still `pending`. */
  readonly timedOut: (pending: P, waitedSeconds: number) => Error;
}

const realSleep = (seconds: number) => new Promise<void>((resolve) => setTimeout(resolve, seconds * 1000));

/**
 * Looks with `look` until it is ready, waiting `pollSeconds` between looks for at most `maxWaitSeconds` in all,
 * each wait printed. Resolves with the ready value; throws `timedOut(...)` when the wait is spent. An error
 * thrown by `look` (something waiting cannot mend) ends the wait at once.
 */
export async function pollUntil<T, P>(look: () => Promise<Look<T, P>>, options: PollOptions<P>): Promise<T> {
  if (!(options.pollSeconds > 0)) {
    throw new Error(`pollUntil: pollSeconds (seconds between two looks) must be > 0, got ${options.pollSeconds}: the wait would never end`);
  }
  const sleep = options.sleep ?? realSleep;
  let waited = 0;
  for (;;) {
    const answer = await look();
    if (answer.ready) return answer.value;
    const left = options.maxWaitSeconds - waited;
    if (left <= 0) throw options.timedOut(answer.pending, waited);
    const pause = Math.min(options.pollSeconds, left);
    options.log(`${options.waitingFor(answer.pending)}: waiting ${pause} s (waited ${waited} s of at most ${options.maxWaitSeconds} s)`);
    await sleep(pause);
    waited += pause;
  }
}
