// Owns access to the HTTP API: 503 while API_TOKEN is unset, 401 without the right bearer token
// (compared in constant time), and rate limits: failed attempts per client address, requests per token —
// counted in Redis when a store is given (shared by every instance; a Redis outage lets requests through).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { rateLimit, type Store } from 'express-rate-limit';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

function presentedToken(req: Request): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '')?.[1];
}

/** Answers 503 for every API request while the API is disabled. */
export function apiEnabled(token: string | undefined): RequestHandler {
  return (_req, res, next) => {
    if (!token) return void res.status(503).json({ error: 'The HTTP API is disabled: set API_TOKEN to enable it.' });
    next();
  };
}

/** True when the request presents `token` (compared in constant time, whatever is presented). */
export type TokenCheck = (req: Request) => boolean;

export function tokenCheck(token: string): TokenCheck {
  const expected = digest(token);
  return (req) => {
    const presented = presentedToken(req);
    return presented !== undefined && timingSafeEqual(digest(presented), expected);
  };
}

/**
 * At most 20 failed authentications per client address in 15 minutes. A request with the right token is never
 * counted nor held back, so a client that knows the token is never locked out by someone else's failures (the
 * token has at least 32 characters: guessing it is hopeless anyway; the limit only sheds load).
 */
export function authFailureLimit(hasToken: TokenCheck, store?: Store): RequestHandler {
  return rateLimit({
    ...(store ? { store, passOnStoreError: true } : {}),
    windowMs: 15 * 60_000,
    limit: 20,
    skip: hasToken,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    // Behind a proxy without TRUST_PROXY every client shares the proxy's address: still only failures count.
    validate: { xForwardedForHeader: false },
    handler: (_req, res) => void res.status(429).json({ error: 'Too many failed authentications; try again later.' }),
  });
}

/** Requires `Authorization: Bearer <token>`. */
export function bearerAuth(hasToken: TokenCheck): RequestHandler {
  return (req, res, next) => {
    if (!hasToken(req)) {
      res.set('WWW-Authenticate', 'Bearer realm="twiml-server"');
      return void res.status(401).json({ error: 'Missing or invalid bearer token.' });
    }
    next();
  };
}

/** Requests per minute per API token (keyed by the token's hash, never the token itself). */
export function perTokenLimit(perMinute: number, store?: Store): RequestHandler {
  return rateLimit({
    ...(store ? { store, passOnStoreError: true } : {}),
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req) => digest(presentedToken(req) ?? '').toString('hex'),
    handler: (_req, res) =>
      void res.status(429).json({ error: `Rate limit exceeded: at most ${perMinute} requests per minute.` }),
  });
}
