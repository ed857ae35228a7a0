// Routes of the operator's web inbox (signed-in pages; not Twilio-facing, never the API's bearer token):
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
import { Router, type RequestHandler, type Response } from 'express';
import type { Store as LimiterStore } from 'express-rate-limit';
import { E164 } from '../src/formats';
import { sendRecordingAudio } from '../src/http/recordingAudio';
import {
  SignInBusy,
  createPasswordCheck,
  credentialsOf,
  failedSignInLimit,
  isCrossSiteForm,
} from '../src/inbox/signIn';
import type { LiveUpdates } from '../src/inbox/liveUpdates';
import type { Session, Sessions } from '../src/inbox/sessions';
import type { Logger } from '../src/logger';
import { ServiceError } from '../src/services/errors';
import type { OutboundService } from '../src/services/outbound';
import type { RecordingSource } from '../src/services/recordings';
import type { Store } from '../src/store/store';
import {
  callList,
  page,
  signInPage,
  threadList,
  threadPage,
  voicemailList,
  type Tab,
  type Thread,
} from '../views/inbox';
import { INBOX_CSS, INBOX_JS } from '../views/inboxAssets';

export interface InboxOptions {
  readonly users: ReadonlyMap<string, string>;
  readonly sessions: Sessions;
  readonly store: Store;
  readonly outbound: OutboundService;
  readonly recordings: RecordingSource;
  /** Our Twilio number, for the empty states ("call your number…"). */
  readonly ourNumber?: string;
  readonly limiterStore?: LimiterStore;
  readonly live: LiveUpdates;
  readonly logger: Logger;
  /** The host browsers see (PUBLIC_BASE_URL's), besides the request's own Host, for the sign-in origin check. */
  readonly publicHost?: string;
}

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

/** Threads the list shows (the most recent), and texts one thread shows (its newest). */
const THREADS_LISTED = 200;
const THREAD_TEXTS = 500;

const sessionOf = (res: Response): Session => res.locals.session as Session;

function html(res: Response, body: string, status = 200): void {
  res.status(status).type('html').set('Cache-Control', 'no-store').send(body);
}

export function inboxRouter(options: InboxOptions): Router {
  const router = Router();
  const { users, sessions, store, logger } = options;
  router.use((_req, res, next) => {
    res.set('Content-Security-Policy', CSP);
    next();
  });
  if (users.size === 0) {
    router.use((_req, res) => {
      res.status(404).json({ error: 'The inbox is off: set INBOX_USERS (create a user with npm run hash-password).' });
    });
    return router;
  }

  router.get('/assets/inbox.css', (_req, res) => void res.type('css').set('Cache-Control', 'no-cache').send(INBOX_CSS));
  router.get('/assets/inbox.js', (_req, res) => void res.type('js').set('Cache-Control', 'no-cache').send(INBOX_JS));

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

  const render = async (res: Response, tab: Tab, title: string, body: string, status = 200) => {
    const session = sessionOf(res);
    const [unread, marker] = await Promise.all([store.queries.countUnlistened(), store.queries.changeMarker()]);
    html(
      res,
      page({ title, user: session.user, csrf: sessions.csrfToken(session), tab, unread, marker, body }),
      status,
    );
  };

  router.get('/', (_req, res) => res.redirect(303, '/inbox/voicemails'));

  // Server-Sent Events: "change" (with the unread count) whenever what the pages show has changed.
  router.get('/events', (req, res) =>
    options.live.attach(res, typeof req.query.since === 'string' ? req.query.since : undefined, sessionOf(res)),
  );

  router.get(['/voicemails', '/voicemails/:id'], async (req, res) => {
    const { items } = await store.queries.listVoicemails({ limit: 200 });
    // A notification's link names one voicemail: it is shown (first, if older than the page) and highlighted.
    const param = String(req.params.id ?? '');
    const id = /^\d{1,15}$/.test(param) ? Number(param) : undefined;
    const linked =
      id === undefined || items.some((v) => v.id === id) ? undefined : await store.queries.getVoicemail(id);
    const shown = linked ? [linked, ...items] : items;
    await render(res, 'voicemails', 'Voicemails · Inbox', voicemailList(shown, options.ourNumber, id));
  });

  router.get('/voicemails/:id/audio', async (req, res) => {
    const id = Number(req.params.id);
    const voicemail = Number.isSafeInteger(id) ? await store.queries.getVoicemail(id) : undefined;
    if (!voicemail) return void res.status(404).json({ error: 'No such voicemail.' });
    sendRecordingAudio(res, await options.recordings.fetch(voicemail.recordingSid, req.get('range')));
  });

  router.post('/voicemails/:id/listened', csrf, async (req, res) => {
    const id = Number(req.params.id);
    const found = Number.isSafeInteger(id) && (await store.queries.markListened(id, new Date().toISOString()));
    res.status(found ? 204 : 404).end();
  });

  router.get('/messages', async (_req, res) => {
    const list: Thread[] = (await store.queries.listThreads(THREADS_LISTED)).map(({ number, last }) => ({
      number,
      last,
      unanswered: last.direction === 'inbound',
    }));
    await render(res, 'messages', 'Messages · Inbox', threadList(list, options.ourNumber));
  });

  const thread = async (res: Response, number: string, problem?: string, status = 200) => {
    const messages = await store.queries.threadWith(number, THREAD_TEXTS);
    const csrfToken = sessions.csrfToken(sessionOf(res));
    await render(res, 'messages', 'Messages · Inbox', threadPage(number, messages, csrfToken, problem), status);
  };

  router.get('/messages/:number', async (req, res) => {
    await thread(res, String(req.params.number));
  });

  router.post('/messages/:number/reply', csrf, async (req, res) => {
    const number = String(req.params.number);
    const body = ((req.body ?? {}) as Record<string, unknown>).body;
    if (!E164.test(number)) return thread(res, number, 'Replies go to phone numbers only.', 400);
    try {
      await options.outbound.sendSms({ to: number, body: typeof body === 'string' ? body : '' });
    } catch (err) {
      if (!(err instanceof ServiceError)) throw err;
      return thread(res, number, `Not sent: ${err.message}`, err.httpStatus);
    }
    res.redirect(303, `/inbox/messages/${encodeURIComponent(number)}`);
  });

  router.get('/calls', async (req, res) => {
    const number = typeof req.query.number === 'string' ? req.query.number.trim() : '';
    const status = typeof req.query.status === 'string' ? req.query.status.trim() : '';
    const filter = { limit: 200, ...(status ? { status } : {}) };
    const { items } = await store.queries.listCalls(number ? { ...filter, party: number } : filter);
    await render(res, 'calls', 'Calls · Inbox', callList(items, { number, status }));
  });

  return router;
}
