// Owns access to the HTTP API: 503 while API_TOKEN is unset, 401 without the right bearer token
// (compared in constant time), and rate limits: failed attempts per client address, requests per token.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';

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

/** At most 20 failed authentications per client address in 15 minutes: guessing the token stays slow. */
export function authFailureLimit(): RequestHandler {
  return rateLimit({
    windowMs: 15 * 60_000,
    limit: 20,
    skipSuccessfulRequests: true,
    requestWasSuccessful: (_req, res) => res.statusCode !== 401,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    // Behind a proxy without TRUST_PROXY every client shares the proxy's address; that is the safe side.
    validate: { xForwardedForHeader: false },
    handler: (_req, res) => void res.status(429).json({ error: 'Too many failed authentications; try again later.' }),
  });
}

/** Requires `Authorization: Bearer <token>`; the comparison takes the same time whatever is presented. */
export function bearerAuth(token: string): RequestHandler {
  const expected = digest(token);
  return (req, res, next) => {
    const presented = presentedToken(req);
    if (presented === undefined || !timingSafeEqual(digest(presented), expected)) {
      res.set('WWW-Authenticate', 'Bearer realm="twiml-server"');
      return void res.status(401).json({ error: 'Missing or invalid bearer token.' });
    }
    next();
  };
}

/** Requests per minute per API token (keyed by the token's hash, never the token itself). */
export function perTokenLimit(perMinute: number): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req) => digest(presentedToken(req) ?? '').toString('hex'),
    handler: (_req, res) =>
      void res.status(429).json({ error: `Rate limit exceeded: at most ${perMinute} requests per minute.` }),
  });
}
