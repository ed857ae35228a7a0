// What every signed-in inbox request passes: a live session (signed, unexpired, not signed out on any instance;
// a page without one goes to the form), the CSRF check of anything that changes something, and signing out.
import type { RequestHandler, Router } from 'express';
import { sessionOf, type InboxOptions } from './common';

/** Mounts the session gate and sign-out on `router`; returns the CSRF check for the routes after it. */
export function sessionRoutes(router: Router, options: InboxOptions): RequestHandler {
  const { sessions, store, logger } = options;
  // Everything below needs a session; a page request without one goes to the form.
  router.use(async (req, res, next) => {
    const read = sessions.read(req);
    const session = read && !(await store.queries.isSignedOut(read.nonce)) ? read : undefined;
    if (!session) {
      if (req.method === 'GET' && !req.path.endsWith('/audio') && req.path !== '/events') {
        return res.redirect(303, '/inbox/sign-in');
      }
      return void res.status(401).json({ error: 'Sign in first.' });
    }
    res.locals.session = session;
    next();
  });
  const csrf: RequestHandler = (req, res, next) => {
    const token = req.get('x-csrf-token') ?? ((req.body ?? {}) as Record<string, unknown>).csrf;
    if (!sessions.checkCsrf(sessionOf(res), token)) {
      logger.warn({ path: req.path }, 'inbox request without a valid CSRF token');
      return void res.status(403).json({ error: 'This form has expired: reload the page and try again.' });
    }
    next();
  };

  // The cookie is cleared, and its session refused from now on (a copy of the cookie opens nothing either).
  router.post('/sign-out', csrf, async (_req, res) => {
    const session = sessionOf(res);
    await store.queries.signOut(session.nonce, new Date(session.expires).toISOString());
    options.live.endSession(session.nonce);
    res.set('Set-Cookie', sessions.cleared()).redirect(303, '/inbox/sign-in');
  });
  return csrf;
}
