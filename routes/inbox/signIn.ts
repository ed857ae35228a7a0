// The inbox's sign-in form and its answer: a form posted from another site is refused (login CSRF), failed
// sign-ins are limited before any password is checked, and the right password gets a session cookie. The decision
// itself is src/inbox/signIn.ts.
import type { RequestHandler, Router } from 'express';
import {
  SignInBusy,
  createPasswordCheck,
  credentialsOf,
  failedSignInLimit,
  isCrossSiteForm,
} from '../../src/inbox/signIn';
import { signInPage } from '../../views/inbox';
import { html, type InboxOptions } from './common';

export function signInRoutes(router: Router, options: InboxOptions): void {
  const { users, sessions, logger } = options;
  const rightPassword = createPasswordCheck(users);
  const failedSignIns = failedSignInLimit(options.limiterStore, (res) =>
    html(res, signInPage('Too many failed sign-ins from here; try again in 15 minutes.'), 429),
  );

  router.get('/sign-in', (req, res) => {
    if (sessions.read(req)) return res.redirect(303, '/inbox/voicemails');
    html(res, signInPage());
  });
  const fromThisSite: RequestHandler = (req, res, next) => {
    if (!isCrossSiteForm(req, options.publicHost)) return next();
    logger.warn({ reason: 'sign-in form from another site' }, 'inbox sign-in refused');
    html(res, signInPage('This sign-in form came from another site: open the inbox here and sign in again.'), 403);
  };
  router.post('/sign-in', fromThisSite, failedSignIns, async (req, res) => {
    let user: string | undefined;
    try {
      const { username, password } = credentialsOf(req);
      user = await rightPassword(username, password);
    } catch (err) {
      if (!(err instanceof SignInBusy)) throw err;
      return html(
        res.set('Retry-After', '5'),
        signInPage('Too many sign-ins at once; try again in a few seconds.'),
        503,
      );
    }
    if (!user) {
      logger.warn({ reason: 'wrong name or password' }, 'inbox sign-in refused');
      return html(res, signInPage('Wrong name or password.'), 401);
    }
    const { cookie } = sessions.issue(user);
    logger.info({ user }, 'inbox sign-in');
    res.set('Set-Cookie', cookie).redirect(303, '/inbox/voicemails');
  });
}
