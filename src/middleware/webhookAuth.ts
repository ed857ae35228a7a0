// Owns HTTP Basic authentication of webhook requests, for a PUBLIC_BASE_URL that carries user:password@ (Twilio's
// "HTTP authentication" for TwiML URLs). Twilio first sends a request without credentials and retries with
// them once it gets 401 with a WWW-Authenticate challenge; so a request without them is challenged, and one
// with wrong ones too. The comparison is constant-time (of SHA-256 digests, so lengths leak nothing); the
// credentials themselves never reach a log line or an answer.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';

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
