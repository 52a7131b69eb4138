// The scheduler's sense of time, injectable so a unit test can run a day of cron in milliseconds
// (with real processes); the agent uses the wall clock.
export type Clock = {
  now(): number;
  /** Calls `fn` at or after epoch ms `at`; returns a cancel function. */
  at(at: number, fn: () => void): () => void;
};

/** Node timers cap at ~24.8 days: longer waits are taken in steps. */
const MAX_WAIT_MS = 2 ** 31 - 1;

export const wallClock: Clock = {
  now: () => Date.now(),
  at(at, fn) {
    let timer: NodeJS.Timeout;
    const arm = () => {
      const wait = at - Date.now();
      timer = setTimeout(wait > MAX_WAIT_MS ? arm : fn, Math.max(0, Math.min(wait, MAX_WAIT_MS)));
      timer.unref();
    };
    arm();
    return () => clearTimeout(timer);
  },
};
