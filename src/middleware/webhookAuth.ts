// Owns HTTP Basic authentication of webhook requests, for a PUBLIC_BASE_URL that carries user:password@ (Twilio's
// "HTTP authentication" for TwiML URLs). Twilio first sends a request without credentials and retries with
// them once it gets 401 with a WWW-Authenticate challenge; so a request without them is challenged, and one
// with wrong ones too. The comparison is constant-time (of SHA-256 digests, so lengths leak nothing); the
// credentials themselves never reach a log line or an answer. Wrong credentials are limited per address, counted
// before they are checked: past the limit the answer is 429 without any comparison (Twilio never sends wrong ones,
// and its routine first request without credentials is never counted).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { rateLimit, type Store } from 'express-rate-limit';

export interface WebhookCredentials {
  readonly username: string;
  readonly password: string;
}

const REALM = 'Basic realm="twiml-server", charset="UTF-8"';

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** The user:password a Basic Authorization header carries, or undefined when it is not one. */
function presented(header: string | undefined): string | undefined {
  const match = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  return decoded.includes(':') ? decoded : undefined;
}

/** Wrong HTTP credentials allowed per client address in a window. */
export const WEBHOOK_AUTH_FAILURES = 20;

/** Limits requests that present credentials which turn out wrong: counted first, a success not counted. */
export function webhookAuthFailureLimit(store?: Store): RequestHandler {
  return rateLimit({
    ...(store ? { store, passOnStoreError: true } : {}),
    windowMs: 15 * 60_000,
    limit: WEBHOOK_AUTH_FAILURES,
    skip: (req) => presented(req.headers.authorization) === undefined,
    skipSuccessfulRequests: true,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    validate: { xForwardedForHeader: false },
    handler: (_req, res) =>
      void res.status(429).type('text/plain; charset=utf-8').send('Too many wrong credentials; try again later.\n'),
  });
}

export function webhookBasicAuth(credentials: WebhookCredentials): RequestHandler {
  const expected = digest(`${credentials.username}:${credentials.password}`);
  return (req, res, next) => {
    const given = presented(req.headers.authorization);
    if (given !== undefined && timingSafeEqual(digest(given), expected)) return next();
    // Twilio's first request never carries credentials: that challenge is routine; wrong ones are not.
    if (given === undefined) req.log.debug({ path: req.path }, 'webhook request challenged for HTTP authentication');
    else req.log.warn({ path: req.path, method: req.method }, 'webhook request with wrong HTTP credentials');
    res.status(401).set('WWW-Authenticate', REALM).type('text/plain; charset=utf-8').send('Unauthorized\n');
  };
}
