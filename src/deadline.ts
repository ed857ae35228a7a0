// Owns bounding how long one piece of work may be waited for: the work's own outcome, or the error `timedOut`
// makes once `ms` have passed (the timer cleared either way). The work itself is not cancelled.
export function within<T>(work: Promise<T>, ms: number, timedOut: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timedOut()), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
