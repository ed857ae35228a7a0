// The inbox's shared parts: what every route is given (InboxOptions), how a page is answered (HTML, no-store),
// the session a signed-in request carries, and the page shell with the tab, the unread count and the change marker.
import type { Response } from 'express';
import type { Store as LimiterStore } from 'express-rate-limit';
import type { LiveUpdates } from '../../src/inbox/liveUpdates';
import type { Session, Sessions } from '../../src/inbox/sessions';
import type { Logger } from '../../src/logger';
import type { OutboundService } from '../../src/services/outbound';
import type { RecordingSource } from '../../src/services/recordings';
import type { Store } from '../../src/store/store';
import { page, type Tab } from '../../views/inbox';

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

export const sessionOf = (res: Response): Session => res.locals.session as Session;

export function html(res: Response, body: string, status = 200): void {
  res.status(status).type('html').set('Cache-Control', 'no-store').send(body);
}

/** Answers a signed-in page: the tab's body in the shell (user, CSRF token, unread count, change marker). */
export type Render = (res: Response, tab: Tab, title: string, body: string, status?: number) => Promise<void>;

export function renderer(options: InboxOptions): Render {
  const { store, sessions } = options;
  return async (res, tab, title, body, status = 200) => {
    const session = sessionOf(res);
    const [unread, marker] = await Promise.all([store.queries.countUnlistened(), store.queries.changeMarker()]);
    html(
      res,
      page({ title, user: session.user, csrf: sessions.csrfToken(session), tab, unread, marker, body }),
      status,
    );
  };
}
