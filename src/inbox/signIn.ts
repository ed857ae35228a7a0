// Owns deciding a sign-in to the inbox, apart from the pages around it: the limit on failed sign-ins (counted per
// address and user name before any password is checked), the password check itself (scrypt, a bounded number at
// once, an unknown name costing the same as a known one), and the login-CSRF check (a form posted from another
// site is refused). HTTP-shaped only where Express's limiter needs it; the routes answer with pages.
import type { Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit, type Store as LimiterStore } from 'express-rate-limit';
import { verifyPassword } from './passwords';

/** Failed sign-ins allowed per address and user name in a window. */
export const SIGN_IN_FAILURES = 10;
export const SIGN_IN_WINDOW_MS = 15 * 60_000;
/** Password checks running at once, and waiting, before sign-ins are answered "busy". */
const VERIFYING = 2;
const WAITING = 16;
/** The longest user name a limiter key carries. */
const KEYED_NAME_CHARS = 200;

/** A valid hash of a random password, verified against when the name is unknown (same cost, always false). */
const DUMMY_HASH = 'scrypt:32768:8:1:c2FsdHNhbHRzYWx0c2FsdA==:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

/** Too many password checks at once: the answer is "busy, retry" (503), which is no guess. */
export class SignInBusy extends Error {
  override name = 'SignInBusy';
}

/** The name and password a sign-in form posted ('' for what is missing or not a string). */
export function credentialsOf(req: Request): { username: string; password: string } {
  const body = (req.body ?? {}) as Record<string, unknown>;
  return {
    username: typeof body.username === 'string' ? body.username : '',
    password: typeof body.password === 'string' ? body.password : '',
  };
}

/**
 * Failed sign-ins per address and user name: SIGN_IN_FAILURES in SIGN_IN_WINDOW_MS. Counted before any password is
 * checked, so once a pair is over the limit no password is checked for it at all until the window passes: the
 * answer is `refuse` whatever was typed, and a guesser learns nothing from it (checking first and counting after
 * made the right password the one non-429 answer). A sign-in that succeeds is not counted. Guessing from one
 * address does not lock the operator out elsewhere: the same name from another address has a count of its own.
 */
export function failedSignInLimit(store: LimiterStore | undefined, refuse: (res: Response) => void): RequestHandler {
  return rateLimit({
    windowMs: SIGN_IN_WINDOW_MS,
    limit: SIGN_IN_FAILURES,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    validate: { xForwardedForHeader: false },
    ...(store ? { store, passOnStoreError: true } : {}),
    keyGenerator: (req) => `${ipKeyGenerator(req.ip ?? '')}|${credentialsOf(req).username.slice(0, KEYED_NAME_CHARS)}`,
    skipSuccessfulRequests: true,
    // Only a wrong password counts; "busy, retry" (503) is no guess.
    requestWasSuccessful: (_req, res) => res.statusCode < 400 || res.statusCode === 503,
    handler: (_req, res) => refuse(res),
  });
}

/**
 * The user a sign-in names when the password is right, else undefined. scrypt costs tens of milliseconds of CPU by
 * design: a flood of sign-ins must not take the server's CPU from the calls, so at most VERIFYING checks run at
 * once and WAITING wait; beyond that it throws SignInBusy at once.
 */
export function createPasswordCheck(users: ReadonlyMap<string, string>) {
  let verifying = 0;
  const waiting: Array<() => void> = [];
  return async (username: string, password: string): Promise<string | undefined> => {
    if (verifying >= VERIFYING) {
      if (waiting.length >= WAITING) throw new SignInBusy();
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
    verifying++;
    try {
      const hash = users.get(username);
      // An unknown name costs the same scrypt as a known one: the answer's timing does not tell names apart.
      const ok = await verifyPassword(password, hash ?? DUMMY_HASH);
      return hash && ok ? username : undefined;
    } finally {
      verifying--;
      waiting.shift()?.();
    }
  };
}

/**
 * Login CSRF: a sign-in form posted from another site would sign the browser in as the attacker's user. A browser
 * says where a form comes from: Sec-Fetch-Site where it sends Fetch Metadata (anything but same-origin is refused),
 * else Origin (another host is refused; "null", which Chromium sends for a same-origin form under our
 * Referrer-Policy: no-referrer, tells nothing). A client that sends neither (curl, a script) is not a browser being
 * tricked, and is let through. `publicHost`: the host browsers see (PUBLIC_BASE_URL's), besides the request's Host.
 */
export function isCrossSiteForm(req: Request, publicHost: string | undefined): boolean {
  const site = req.get('sec-fetch-site');
  if (site !== undefined) return site !== 'same-origin';
  const origin = req.get('origin');
  if (origin === undefined || origin === 'null') return false;
  const hosts = new Set([req.get('host'), publicHost].filter(Boolean));
  return !URL.canParse(origin) || !hosts.has(new URL(origin).host);
}
