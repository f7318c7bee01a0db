import { Look, pollUntil, PollOptions } from '../../lib/promotion/poll';

/**
 * pollUntil (lib/promotion/poll.ts), the bounded wait of the signature gate and the replica check. The sleep
 * is a fake that advances a clock and returns at once: every wait is checked, none is taken.
 */

/** A scripted run: each look answers the next entry; every look, line and sleep is recorded in order. */
function scripted<T>(answers: ReadonlyArray<Look<T, string> | Error>, limits: { maxWaitSeconds: number; pollSeconds: number }) {
  const events: string[] = [];
  const clock = { seconds: 0 };
  let looks = 0;
  const look = async (): Promise<Look<T, string>> => {
    const answer = answers[looks++];
    events.push(`look at ${clock.seconds} s`);
    if (answer === undefined) throw new Error('looked once too often');
    if (answer instanceof Error) throw answer;
    return answer;
  };
  const options: PollOptions<string> = {
    ...limits,
    waitingFor: (pending) => `still ${pending}`,
    timedOut: (pending, waited) => new Error(`gave up on ${pending} after ${waited} s`),
    log: (line) => events.push(`log: ${line}`),
    sleep: async (seconds) => {
      events.push(`sleep ${seconds} s`);
      clock.seconds += seconds;
    },
  };
  return { run: () => pollUntil(look, options), events, looks: () => looks };
}

const pending = (what: string): Look<string, string> => ({ ready: false, pending: what });
const ready = (value: string): Look<string, string> => ({ ready: true, value });

describe('pollUntil', () => {
  test('ready at the first look: resolves with its value, without a wait or a line', async () => {
    const s = scripted([ready('signed')], { maxWaitSeconds: 300, pollSeconds: 10 });
    await expect(s.run()).resolves.toBe('signed');
    expect(s.events).toEqual(['look at 0 s']);
  });

  test('pending, then ready: prints each wait before sleeping it, then looks again', async () => {
    const s = scripted([pending('IN_PROGRESS'), pending('IN_PROGRESS'), ready('signed')], { maxWaitSeconds: 300, pollSeconds: 10 });
    await expect(s.run()).resolves.toBe('signed');
    expect(s.events).toEqual([
      'look at 0 s',
      'log: still IN_PROGRESS: waiting 10 s (waited 0 s of at most 300 s)',
      'sleep 10 s',
      'look at 10 s',
      'log: still IN_PROGRESS: waiting 10 s (waited 10 s of at most 300 s)',
      'sleep 10 s',
      'look at 20 s',
    ]);
  });

  test('never pending past the limit: the last wait is cut to what is left, then it throws timedOut with the last pending state', async () => {
    // GIVEN 25 s at most, 10 s between looks, and what is missing changes on the way
    const s = scripted([pending('no image'), pending('no image'), pending('no tag'), pending('no tag')], { maxWaitSeconds: 25, pollSeconds: 10 });
    // THEN it gives up after 25 s slept, naming what the last look found missing
    await expect(s.run()).rejects.toThrow(new Error('gave up on no tag after 25 s'));
    expect(s.events).toEqual([
      'look at 0 s',
      'log: still no image: waiting 10 s (waited 0 s of at most 25 s)',
      'sleep 10 s',
      'look at 10 s',
      'log: still no image: waiting 10 s (waited 10 s of at most 25 s)',
      'sleep 10 s',
      'look at 20 s',
      'log: still no tag: waiting 5 s (waited 20 s of at most 25 s)',
      'sleep 5 s',
      'look at 25 s',
    ]);
  });

  test('ready at the very last look still counts', async () => {
    const s = scripted([pending('x'), pending('x'), ready('arrived')], { maxWaitSeconds: 20, pollSeconds: 10 });
    await expect(s.run()).resolves.toBe('arrived');
    expect(s.looks()).toBe(3);
  });

  test('a limit of 0 looks once and gives up at once, without a wait', async () => {
    const s = scripted([pending('IN_PROGRESS')], { maxWaitSeconds: 0, pollSeconds: 10 });
    await expect(s.run()).rejects.toThrow(new Error('gave up on IN_PROGRESS after 0 s'));
    expect(s.events).toEqual(['look at 0 s']);
  });

  test('an error from a look ends the wait at once, however much is left', async () => {
    const s = scripted([pending('IN_PROGRESS'), new Error('FAILED: refused')], { maxWaitSeconds: 300, pollSeconds: 10 });
    await expect(s.run()).rejects.toThrow(new Error('FAILED: refused'));
    expect(s.events).toEqual(['look at 0 s', 'log: still IN_PROGRESS: waiting 10 s (waited 0 s of at most 300 s)', 'sleep 10 s', 'look at 10 s']);
  });

  test.each([0, -5])('refuses pollSeconds %i (the wait would never end), before looking', async (pollSeconds) => {
    const s = scripted([pending('x')], { maxWaitSeconds: 30, pollSeconds });
    await expect(s.run()).rejects.toThrow(`pollUntil: pollSeconds (seconds between two looks) must be > 0, got ${pollSeconds}: the wait would never end`);
    expect(s.looks()).toBe(0);
  });

  describe('without an injected sleep', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    test('waits pollSeconds on a real timer (run here on jest\'s fake clock)', async () => {
      const answers = [pending('x'), ready('done')];
      let looks = 0;
      const result = pollUntil(async () => answers[looks++], { maxWaitSeconds: 60, pollSeconds: 10, waitingFor: (p) => p, timedOut: () => new Error('timed out'), log: () => undefined });
      await jest.advanceTimersByTimeAsync(9_999);
      expect(looks).toBe(1);
      await jest.advanceTimersByTimeAsync(1);
      expect(looks).toBe(2);
      await expect(result).resolves.toBe('done');
    });
  });
});
