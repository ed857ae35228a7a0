// Owns the inbox's sessions: a signed, expiring cookie (HMAC-SHA256; no server-side state, so every instance
// sharing INBOX_SESSION_SECRET accepts it), the CSRF token each session's forms carry (an HMAC of the session's
// own nonce), and the cookie's attributes (HttpOnly, SameSite=Lax, Secure behind https, Path=/inbox). A session is
// bound to the user's password hash as it was at sign-in (the hash is in the signature, never in the cookie): remove
// the user from INBOX_USERS or change the password, and every session issued before stops opening anything.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';

export const SESSION_COOKIE = 'twiml_inbox';
/** A session lasts this long from sign-in. */
export const SESSION_HOURS = 12;

export interface Session {
  readonly user: string;
  readonly nonce: string;
  readonly expires: number;
}

export interface Sessions {
  /** The Set-Cookie value that signs `user` in. */
  issue(user: string, now?: number): { cookie: string; session: Session };
  /** The request's valid, unexpired session, if any. */
  read(req: Request, now?: number): Session | undefined;
  /** The Set-Cookie value that signs out. */
  cleared(): string;
  csrfToken(session: Session): string;
  checkCsrf(session: Session, token: unknown): boolean;
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The request's cookie `name` (the first, as browsers send the most specific path first). */
function cookieValue(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * `credentialOf(user)`: the user's current password hash, undefined for a user who may no longer sign in.
 */
export function createSessions(
  secret: string,
  secure: boolean,
  credentialOf: (user: string) => string | undefined,
): Sessions {
  const mac = (purpose: string, text: string) =>
    createHmac('sha256', secret).update(`${purpose}:${text}`).digest('base64url');
  const sessionMac = (body: string, user: string) => {
    const credential = credentialOf(user);
    return credential === undefined ? undefined : mac('session', `${body}:${credential}`);
  };
  const attributes = `Path=/inbox; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
  return {
    issue(user, now = Date.now()) {
      const session = { user, nonce: randomBytes(16).toString('base64url'), expires: now + SESSION_HOURS * 3_600_000 };
      const body = `v1.${b64(user)}.${session.expires}.${session.nonce}`;
      const signature = sessionMac(body, user);
      if (signature === undefined) throw new Error('a session for a user who cannot sign in');
      return {
        session,
        cookie: `${SESSION_COOKIE}=${body}.${signature}; ${attributes}; Max-Age=${SESSION_HOURS * 3600}`,
      };
    },
    read(req, now = Date.now()) {
      const value = cookieValue(req, SESSION_COOKIE);
      const parts = value?.split('.');
      if (!value || parts?.length !== 5 || parts[0] !== 'v1') return undefined;
      const [, encodedUser, expires, nonce, signature] = parts as [string, string, string, string, string];
      const user = Buffer.from(encodedUser, 'base64url').toString('utf8');
      const expected = sessionMac(`v1.${encodedUser}.${expires}.${nonce}`, user);
      if (expected === undefined || !sameText(signature, expected)) return undefined;
      const until = Number(expires);
      if (!Number.isSafeInteger(until) || until <= now) return undefined;
      return { user, nonce, expires: until };
    },
    cleared: () => `${SESSION_COOKIE}=; ${attributes}; Max-Age=0`,
    csrfToken: (session) => mac('csrf', session.nonce),
    checkCsrf: (session, token) => typeof token === 'string' && sameText(token, mac('csrf', session.nonce)),
  };
}
