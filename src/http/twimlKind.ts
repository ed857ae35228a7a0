// Owns which kind of TwiML a response speaks (voice or messaging): the error handler answers failures in that
// kind, and the egress gate replaces a refused document with that kind's refusal.
import type { RequestHandler, Response } from 'express';

export type TwimlKind = 'voice' | 'messaging';

const TWIML_KIND = 'twimlKind';

/** Marks this response as speaking TwiML of `kind`. */
export function markTwimlKind(res: Response, kind: TwimlKind): void {
  res.locals[TWIML_KIND] = kind;
}

/** The kind this response was marked with, if any. */
export function twimlKindOf(res: Response): TwimlKind | undefined {
  return res.locals[TWIML_KIND] as TwimlKind | undefined;
}

/** The same as middleware, for a whole group of routes. */
export function answerErrorsAs(kind: TwimlKind): RequestHandler {
  return (_req, res, next) => {
    markTwimlKind(res, kind);
    next();
  };
}
