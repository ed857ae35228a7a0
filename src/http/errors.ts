// Owns the error type routes throw for bad input: a 4xx status and a message safe to show the caller.

export class HttpError extends Error {
  /** Read by the error middleware (and by Express/body-parser conventions). */
  readonly expose = true;
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (reason: string): HttpError => new HttpError(400, reason);
