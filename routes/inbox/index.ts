// Routes of the operator's web inbox (signed-in pages; not Twilio-facing, never the API's bearer token), one module
// per part; this one mounts them in the order a request meets them:
//   GET  /inbox/sign-in, POST /inbox/sign-in     — the form; a signed session cookie on the right password (a
//                                                  form posted from another site is refused: login CSRF)
//   POST /inbox/sign-out                         — ends the session (CSRF)
//   GET  /inbox                                  — to /inbox/voicemails
//   GET  /inbox/voicemails, /inbox/voicemails/:id — voicemails, newest first (one, highlighted)
//   GET  /inbox/voicemails/:id/audio             — the recording, streamed from Twilio
//   POST /inbox/voicemails/:id/listened          — mark it listened (CSRF header, from the page's script)
//   GET  /inbox/messages, /inbox/messages/:number — threads by the other party's number; one thread
//   POST /inbox/messages/:number/reply           — send a reply through the outbound service (CSRF)
//   GET  /inbox/calls                            — the call log (?number=&status=)
//   GET  /inbox/events                           — Server-Sent Events: something changed (and the unread count)
//   GET  /inbox/assets/inbox.css|inbox.js        — the page's only style and script
import { Router } from 'express';
import { INBOX_CSS, INBOX_JS } from '../../views/inboxAssets';
import { callRoutes } from './calls';
import { renderer, sessionOf, type InboxOptions } from './common';
import { messageRoutes } from './messages';
import { sessionRoutes } from './session';
import { signInRoutes } from './signIn';
import { voicemailRoutes } from './voicemails';

export type { InboxOptions } from './common';

/** The inbox's pages allow only their own script, style and media: no inline code, no framing. */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "media-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export function inboxRouter(options: InboxOptions): Router {
  const router = Router();
  router.use((_req, res, next) => {
    res.set('Content-Security-Policy', CSP);
    next();
  });
  if (options.users.size === 0) {
    router.use((_req, res) => {
      res.status(404).json({ error: 'The inbox is off: set INBOX_USERS (create a user with npm run hash-password).' });
    });
    return router;
  }
  router.get('/assets/inbox.css', (_req, res) => void res.type('css').set('Cache-Control', 'no-cache').send(INBOX_CSS));
  router.get('/assets/inbox.js', (_req, res) => void res.type('js').set('Cache-Control', 'no-cache').send(INBOX_JS));
  signInRoutes(router, options);
  // Everything after this needs a session.
  const csrf = sessionRoutes(router, options);
  const render = renderer(options);
  router.get('/', (_req, res) => res.redirect(303, '/inbox/voicemails'));
  // Server-Sent Events: "change" (with the unread count) whenever what the pages show has changed.
  router.get('/events', (req, res) =>
    options.live.attach(res, typeof req.query.since === 'string' ? req.query.since : undefined, sessionOf(res)),
  );
  voicemailRoutes(router, options, render, csrf);
  messageRoutes(router, options, render, csrf);
  callRoutes(router, options, render);
  return router;
}
