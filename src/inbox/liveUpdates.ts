// Owns telling open inbox pages that something changed, as Server-Sent Events. One poller per process asks the
// store for its change marker every POLL_MS while at least one page listens (so writes made by any instance are
// seen: polling, not LISTEN/NOTIFY, works the same on SQLite and PostgreSQL), and at once when this process
// wrote something. Each event carries the unread voicemail count; a comment every HEARTBEAT_MS keeps proxies from
// closing idle streams. A stream lives no longer than its session: it ends at once when that session signs out
// here, and at the next heartbeat when it expired or signed out on another instance.
import { errorReason } from '../errorReason';
import { oneAtATime } from '../oneAtATime';
import type { Response } from 'express';
import type { Logger } from '../logger';
import type { Store } from '../store/store';

const POLL_MS = 2_000;
const HEARTBEAT_MS = 25_000;

/** What a stream needs of the session it was opened under. */
export interface StreamSession {
  readonly nonce: string;
  readonly expires: number;
}

export interface LiveUpdates {
  /**
   * Streams events to this response until the client goes away. `since` is the change marker the page was
   * rendered with: if the store has changed since (between the page and this stream), the first event says so.
   */
  attach(res: Response, since: string | undefined, session: StreamSession): void;
  /** The session signed out here: its streams end now. */
  endSession(nonce: string): void;
  /** Something was written here: look now instead of at the next poll. */
  poke(): void;
  /** Pages listening now. */
  listeners(): number;
  close(): void;
}

export function createLiveUpdates(store: Store, logger: Logger): LiveUpdates {
  const clients = new Map<Response, StreamSession>();
  let marker: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;

  const send = (text: string) => {
    for (const res of clients.keys()) res.write(text);
  };
  const endWhere = (ended: (session: StreamSession) => boolean) => {
    for (const [res, session] of clients) if (ended(session)) res.end();
  };
  /** Sessions that expired, or signed out on any instance, lose their streams. */
  const pruneSessions = async () => {
    const now = Date.now();
    endWhere((session) => session.expires <= now);
    for (const [res, session] of clients) {
      if (await store.queries.isSignedOut(session.nonce).catch(() => false)) res.end();
    }
  };
  const changeEvent = async () =>
    `event: change\ndata: ${JSON.stringify({ unread: await store.queries.countUnlistened() })}\n\n`;
  // A poke or tick while a check runs is answered by that check.
  const check = oneAtATime(
    async () => {
      if (clients.size === 0) return;
      try {
        const now = await store.queries.changeMarker();
        if (marker !== undefined && now !== marker) send(await changeEvent());
        marker = now;
      } catch (err) {
        logger.warn({ reason: errorReason(err) }, 'inbox live updates: store unreadable');
      }
    },
    () => undefined,
  );
  const stopTimers = () => {
    if (timer) clearInterval(timer);
    if (heartbeat) clearInterval(heartbeat);
    timer = heartbeat = undefined;
    marker = undefined;
  };

  return {
    attach(res, since, session) {
      res.status(200).set({
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        'X-Accel-Buffering': 'no',
      });
      res.flushHeaders();
      res.write('retry: 3000\n\n');
      clients.set(res, session);
      if (since) {
        void store.queries
          .changeMarker()
          .then(async (now) => (now !== since ? res.write(await changeEvent()) : undefined))
          .catch(() => undefined);
      }
      res.on('close', () => {
        clients.delete(res);
        if (clients.size === 0) stopTimers();
      });
      if (!timer) {
        timer = setInterval(() => void check(), POLL_MS);
        heartbeat = setInterval(() => {
          send(': keep-alive\n\n');
          void pruneSessions();
        }, HEARTBEAT_MS);
        timer.unref();
        heartbeat.unref();
        void check();
      }
    },
    poke: () => void check(),
    endSession: (nonce) => endWhere((session) => session.nonce === nonce),
    listeners: () => clients.size,
    close() {
      for (const res of clients.keys()) res.end();
      clients.clear();
      stopTimers();
    },
  };
}
