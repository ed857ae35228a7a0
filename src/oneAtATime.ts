// Owns "one run at a time" for background work that timers, writes and requests all set off (the outbox's pass,
// the inbox's change check, the spool's replay): a call while a run is in progress never starts a second one
// beside it. What that call gets is the caller's choice, made here once:
//   'join'  — the run in progress;
//   'again' — the run in progress, and one more run once it ends (however many calls came meanwhile), so work
//             that arrived during a run is not left until the next timer;
//   a value — that value at once (the run in progress already does the work).
export type WhileRunning<T> = 'join' | 'again' | (() => T);

export interface OneAtATime<A extends unknown[], T> {
  (...args: A): Promise<T>;
  /** The run in progress, if any (to wait for it at shutdown). */
  inProgress(): Promise<T> | undefined;
}

export function oneAtATime<A extends unknown[], T>(
  work: (...args: A) => Promise<T>,
  whileRunning: WhileRunning<T> = 'join',
): OneAtATime<A, T> {
  let running: Promise<T> | undefined;
  let again: A | undefined;
  const run = (...args: A): Promise<T> => {
    if (running) {
      if (typeof whileRunning === 'function') return Promise.resolve(whileRunning());
      if (whileRunning === 'again') again = args;
      return running;
    }
    const current = work(...args).finally(() => {
      running = undefined;
      const next = again;
      again = undefined;
      if (next) void run(...next).catch(() => undefined);
    });
    running = current;
    return current;
  };
  return Object.assign(run, { inProgress: () => running });
}
